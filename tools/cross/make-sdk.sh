#!/usr/bin/env bash
# Builds a Swift SDK for aarch64-unknown-linux-gnu from Debian trixie's packages (swiftlang 6.0.3,
# the Swift that Raspberry Pi OS trixie installs), in a trixie chroot that also serves as the
# build host. Reuses everything already there on a second run.
#
#   tools/cross/make-sdk.sh            # -> .build-cross/sdks/ember-aarch64.artifactbundle
#
# Needs root (debootstrap, chroot, mounts) and ~3.5 GB of disk. Only Debian mirrors are contacted.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cross=${EMBER_CROSS_DIR:-$repo/.build-cross}
chroot_dir=$cross/trixie
bundle=$cross/sdks/ember-aarch64.artifactbundle
sdk_dir=$bundle/ember-aarch64
sysroot=$sdk_dir/sysroot
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
source "$repo/tools/cross/chroot-lib.sh"
chroot_lock "$cross"

log() { echo "make-sdk: $*" >&2; }

if [ ! -f "$chroot_dir/.ember-base" ]; then
  command -v debootstrap >/dev/null || { apt-get install -y -q debootstrap >/dev/null; }
  log "debootstrap trixie into $chroot_dir"
  mkdir -p "$chroot_dir"
  debootstrap --variant=minbase --include=ca-certificates trixie "$chroot_dir" "$mirror" >/dev/null
  touch "$chroot_dir/.ember-base"
fi

chroot_mount "$chroot_dir"
trap 'chroot_unmount "$chroot_dir"' EXIT

arm_pkgs="libc6-dev:arm64 libgcc-14-dev:arm64 libstdc++-14-dev:arm64 libzmq3-dev:arm64 libgpiod-dev:arm64 libpng-dev:arm64 libturbojpeg0-dev:arm64"
if [ ! -f "$chroot_dir/.ember-packages-2" ]; then
  log "installing swiftlang and the arm64 development packages in the chroot"
  chroot "$chroot_dir" /bin/sh -ec "
    dpkg --add-architecture arm64
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      swiftlang git pkg-config ca-certificates libc6-dev libgcc-14-dev libstdc++-14-dev $arm_pkgs >/dev/null"
  touch "$chroot_dir/.ember-packages-2"
fi

if [ ! -f "$sysroot/.ember-ready" ]; then
  log "assembling the sysroot"
  rm -rf "$bundle"; mkdir -p "$sysroot/usr/lib" "$cross/debs"
  chroot "$chroot_dir" /bin/sh -ec "cd /tmp && rm -rf swiftdebs && mkdir swiftdebs && cd swiftdebs && apt-get download -q swiftlang:arm64 libswiftlang:arm64 >/dev/null"
  rm -rf "$cross/debs/x"; mkdir -p "$cross/debs/x"
  for deb in "$chroot_dir"/tmp/swiftdebs/*.deb; do dpkg -x "$deb" "$cross/debs/x"; done
  for d in swift swift_static clang; do
    cp -a "$cross/debs/x/usr/libexec/swift/lib/$d" "$sysroot/usr/lib/"
  done
  cp -a "$chroot_dir/usr/include" "$sysroot/usr/"
  cp -a "$chroot_dir/usr/lib/aarch64-linux-gnu" "$sysroot/usr/lib/"
  cp -a "$chroot_dir/usr/lib/ld-linux-aarch64.so.1" "$sysroot/usr/lib/"
  mkdir -p "$sysroot/usr/lib/gcc"
  cp -a "$chroot_dir/usr/lib/gcc/aarch64-linux-gnu" "$sysroot/usr/lib/gcc/"
  [ -d "$chroot_dir/usr/lib/linux" ] && cp -a "$chroot_dir/usr/lib/linux" "$sysroot/usr/lib/"
  ln -sfn usr/lib "$sysroot/lib"
  touch "$sysroot/.ember-ready"
fi
# The descriptions are cheap: write them every time.
echo '{"DisplayName": "Debian trixie aarch64", "Version": "13", "VersionMap": {}, "CanonicalName": "linux"}' > "$sysroot/SDKSettings.json"
cat > "$bundle/info.json" <<JSON
{
"schemaVersion": "1.0",
"artifacts": {
  "ember-aarch64": {
    "type": "swiftSDK",
    "version": "6.0.3-trixie",
    "variants": [{ "path": "ember-aarch64", "supportedTriples": ["x86_64-unknown-linux-gnu", "x86_64-pc-linux-gnu"] }]
  }
}
}
JSON
cat > "$sdk_dir/swift-sdk.json" <<JSON
{
"schemaVersion": "4.0",
"targetTriples": {
  "aarch64-unknown-linux-gnu": {
    "sdkRootPath": "sysroot",
    "swiftResourcesPath": "sysroot/usr/lib/swift",
    "swiftStaticResourcesPath": "sysroot/usr/lib/swift_static",
    "toolsetPaths": ["toolset.json"]
  }
}
}
JSON
cat > "$sdk_dir/toolset.json" <<JSON
{ "schemaVersion": "1.0", "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] } }
JSON
log "SDK ready: $bundle"
