#!/usr/bin/env bash
# The board's C compiler outside the chroot: clang 17 of Debian trixie's swiftlang 6.0.3 (what
# `swift build` in tools/cross/build.sh compiles CEmberKernels with), run through the chroot's own
# dynamic loader and libraries, targeting AArch64 with the cross SDK's sysroot. No mounts, so it
# may run beside a cross build. Code generation differs from newer clangs (see docs/kernels.md,
# "Depthwise 3x3"): count kernels with this one for numbers that hold on the board.
#
#   tools/cross/board-cc.sh [clang arguments]     (needs tools/cross/make-sdk.sh to have run)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cross=${EMBER_CROSS_DIR:-$repo/.build-cross}
root=$cross/trixie
sysroot=$cross/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
exec "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
  --library-path "$root/usr/lib/x86_64-linux-gnu:$root/usr/libexec/swift/lib" \
  "$root/usr/libexec/swift/bin/clang-17" -resource-dir "$root/usr/libexec/swift/lib/clang/17" \
  --target=aarch64-unknown-linux-gnu --sysroot="$sysroot" "$@"
