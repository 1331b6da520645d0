#!/usr/bin/env bash
# Deployment check: cross-build emberd and ember for AArch64 with Debian trixie's swiftlang 6.0.3
# (which also proves the package builds with the board's own Swift), run the AArch64 emberd under
# qemu as a Cortex-A72 (Pi 4, no dot product) and a Cortex-A76 (Pi 5), send the bundled photos
# from the native client, and require exactly the native build's top-5 output. Reports sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/cross/build.sh
cross=${EMBER_CROSS_DIR:-$PWD/.build-cross}
sysroot=$cross/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
arm=.build-aarch64/release
native=$(swift build -c release --show-bin-path)
work=$(mktemp -d); trap 'kill -TERM ${EMBERD_PID:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
source tools/lib/emberd-ready.sh

size=$(stat -c %s "$arm/emberd")
echo "cross: emberd $((size / 1024)) KiB, ember $(( $(stat -c %s "$arm/ember") / 1024 )) KiB (static Swift stdlib, stripped)" >&2
((size < 15 * 1024 * 1024)) || { echo "cross: emberd is over 15 MB" >&2; exit 1; }

"$native/ember" convert models/mobilenetv2/mobilenetv2_imagenet_int8.tflite --labels models/mobilenetv2/labels.json \
  --preprocess models/mobilenetv2/preprocess.json -o "$work/m.ember" >/dev/null
photos=(testdata/chelsea.png testdata/coffee.png)

serve_and_ask() { # label, then the emberd command
  local label=$1; shift
  start_emberd_ready "$work" 300 -- "$@" --model "m=$work/m.ember" --endpoint "ipc://$work/e.sock" \
    --pub-endpoint "" --workers 1 --threads-per-inference 2 --log-level warning
  "$native/ember" infer --endpoint "ipc://$work/e.sock" --model m --timeout 120 "${photos[@]}" > "$work/$label.txt"
  kill -TERM $EMBERD_PID; wait $EMBERD_PID
}

serve_and_ask native "$native/emberd"
for cpu in cortex-a72 cortex-a76; do
  echo "cross: $cpu: $(qemu-aarch64 -L "$sysroot" -cpu $cpu "$arm/ember" cpu | grep -i 'gemm' | head -1)" >&2
  serve_and_ask "$cpu" qemu-aarch64 -L "$sysroot" -cpu $cpu "$arm/emberd"
  if ! cmp -s "$work/native.txt" "$work/$cpu.txt"; then
    echo "cross: $cpu top-5 differs from native:" >&2; diff "$work/native.txt" "$work/$cpu.txt" >&2; exit 1
  fi
  echo "cross: $cpu emberd under qemu answers exactly as native" >&2
done
cat "$work/native.txt"

# The .deb: builds, and holds what docs/deployment.md promises; its configuration checks out.
deb=$(tools/package-deb.sh --out "$work/deb" | tail -n 1)
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/emberd ./usr/bin/ember ./lib/systemd/system/emberd.service ./usr/lib/sysusers.d/ember.conf \
         ./usr/lib/tmpfiles.d/ember.conf ./etc/ember/emberd.toml ./usr/share/ember/models/mobilenetv2.ember; do
  grep -q " $f\$" <<<"$contents" || { echo "cross: $deb lacks $f" >&2; exit 1; }
done
dpkg-deb --field "$deb" Depends >&2
mkdir "$work/x"; dpkg-deb -x "$deb" "$work/x"
sed "s|/usr/share/ember/models/|$work/x/usr/share/ember/models/|" "$work/x/etc/ember/emberd.toml" > "$work/check.toml"
"$native/emberd" --check-config --config "$work/check.toml"
echo "cross: $(basename "$deb") ok ($(du -h "$deb" | cut -f1))" >&2
