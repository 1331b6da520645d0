#!/usr/bin/env bash
# Packages the cross-built AArch64 emberd and ember as a .deb for Raspberry Pi OS / Debian trixie:
#   tools/package-deb.sh [--version V] [--out DIR]      -> DIR/ember_V_arm64.deb
# Contents: the two binaries, the systemd unit, sysusers.d and tmpfiles.d entries, the default
# configuration (a conffile) and the bundled model converted to .ember.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(git -C "$repo" describe --tags --always 2>/dev/null | sed 's/^v//; s/-/+/g')
case "$version" in [0-9]*) ;; *) version="0.1.0+g$version" ;; esac
out=$repo/out
while (($#)); do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "package-deb: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=$repo/.build-aarch64/release
[ -x "$bin/emberd" ] && [ -x "$bin/ember" ] || "$repo/tools/cross/build.sh"

stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" \
  "$root/usr/lib/tmpfiles.d" "$root/etc/ember" "$root/usr/share/ember/models" "$root/usr/share/doc/ember"
install -m 0755 "$bin/emberd" "$bin/ember" "$root/usr/bin/"
install -m 0644 "$repo/systemd/emberd.service" "$root/lib/systemd/system/"
install -m 0644 "$repo/systemd/ember.sysusers.conf" "$root/usr/lib/sysusers.d/ember.conf"
install -m 0644 "$repo/systemd/ember.tmpfiles.conf" "$root/usr/lib/tmpfiles.d/ember.conf"
install -m 0644 "$repo/systemd/emberd.toml" "$root/etc/ember/emberd.toml"
install -m 0644 "$repo/README.md" "$repo"/docs/*.md "$root/usr/share/doc/ember/"

# The bundled model, converted once here with the host's ember (weights are packed in a layout
# every supported CPU reads, so converting on x86 for an arm64 board is fine).
host_bin=$(cd "$repo" && swift build -c release --product ember --show-bin-path)
(cd "$repo" && swift build -c release --product ember >/dev/null)
"$host_bin/ember" convert "$repo/models/mobilenetv2/mobilenetv2_imagenet_int8.tflite" \
  --labels "$repo/models/mobilenetv2/labels.json" --preprocess "$repo/models/mobilenetv2/preprocess.json" \
  -o "$root/usr/share/ember/models/mobilenetv2.ember"

# Runtime dependencies from the binaries' DT_NEEDED entries.
declare -A pkg_of=(
  [libzmq.so.5]=libzmq5 [libgpiod.so.3]=libgpiod3 [libgpiod.so.2]=libgpiod2
  [libpng16.so.16]="libpng16-16t64 | libpng16-16" [libturbojpeg.so.0]=libturbojpeg0
  [libc.so.6]="libc6 (>= 2.41)" [libm.so.6]="libc6 (>= 2.41)" [libstdc++.so.6]=libstdc++6
  [libgcc_s.so.1]=libgcc-s1 [ld-linux-aarch64.so.1]="libc6 (>= 2.41)"
)
depends=()
for soname in $(readelf -d "$bin/emberd" "$bin/ember" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u); do
  dep=${pkg_of[$soname]:-}
  [ -n "$dep" ] || { echo "package-deb: no package known for $soname (add it to pkg_of)" >&2; exit 1; }
  depends+=("$dep")
done
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: ember
Version: $version
Architecture: arm64
Maintainer: Ember maintainers <ember@localhost>
Installed-Size: $size
Depends: $depends_line, systemd
Section: misc
Priority: optional
Description: on-device int8 inference daemon for Raspberry Pi class boards
 emberd memory-maps pre-quantized int8 models and serves them over ZeroMQ with
 NEON-tuned kernels chosen at run time. Includes the ember command-line tool and a
 MobileNetV2 ImageNet classifier.
CONTROL
echo /etc/ember/emberd.toml > "$root/DEBIAN/conffiles"
install -m 0755 "$repo/tools/deb/postinst" "$repo/tools/deb/prerm" "$repo/tools/deb/postrm" "$root/DEBIAN/"
mkdir -p "$out"
deb=$out/ember_${version}_arm64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "package-deb: $deb ($(du -h "$deb" | cut -f1))" >&2
echo "$deb"
