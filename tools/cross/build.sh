#!/usr/bin/env bash
# Cross-builds emberd and ember for AArch64 (release, static Swift stdlib, stripped) with Debian
# trixie's swiftlang 6.0.3 and the SDK from make-sdk.sh. Output: .build-aarch64/release/{emberd,ember}
#
#   tools/cross/build.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cross=${EMBER_CROSS_DIR:-$repo/.build-cross}
chroot_dir=$cross/trixie
source "$repo/tools/cross/chroot-lib.sh"
chroot_lock "$cross"

"$repo/tools/cross/make-sdk.sh"
chroot_mount "$chroot_dir"
trap 'chroot_unmount "$chroot_dir"' EXIT
mkdir -p "$chroot_dir/src" "$chroot_dir/sdks"
mountpoint -q "$chroot_dir/src" || mount --bind "$repo" "$chroot_dir/src"
mountpoint -q "$chroot_dir/sdks" || mount --bind "$cross/sdks" "$chroot_dir/sdks"
git_setup=":"
# This workplace serves github.com packages from a local folder; give the chroot the same view.
if [ -d /opt/swift-packages ]; then
  mkdir -p "$chroot_dir/opt/swift-packages"
  mountpoint -q "$chroot_dir/opt/swift-packages" || mount --bind -o ro /opt/swift-packages "$chroot_dir/opt/swift-packages"
  git_setup="git config --global url./opt/swift-packages/.insteadOf https://github.com/; git config --global --add safe.directory '*'"
fi
chroot "$chroot_dir" /bin/sh -ec "
  $git_setup
  cd /src
  export PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig
  swift --version 2>&1 | head -1
  swift build --swift-sdks-path /sdks --swift-sdk aarch64-unknown-linux-gnu \
    --scratch-path /src/.build-aarch64 -c release --static-swift-stdlib -Xlinker --strip-all \
    --product emberd
  swift build --swift-sdks-path /sdks --swift-sdk aarch64-unknown-linux-gnu \
    --scratch-path /src/.build-aarch64 -c release --static-swift-stdlib -Xlinker --strip-all \
    --product ember"
ls -l "$repo/.build-aarch64/release/emberd" "$repo/.build-aarch64/release/ember" >&2
