#!/usr/bin/env bash
# The CGPIOD shim against both libgpiod APIs: v1 (this host's 1.6) natively, and v2 (Debian
# trixie's 2.x) cross-compiled for AArch64 against the trixie sysroot and run under qemu.
# Builds the sysroot with tools/cross/make-sdk.sh if it is missing (needs root, ~90 s + download).
set -euo pipefail
repo=$(pwd)
shim=$repo/Sources/CGPIOD
check=$repo/tools/test-steps/gpio/shim-check.c
cross=${EMBER_CROSS_DIR:-$repo/.build-cross}
sysroot=$cross/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cflags=(-std=c11 -Wall -Wextra -Werror -I"$shim/include")

echo "gpio: v1 (host libgpiod $(pkg-config --modversion libgpiod))" >&2
clang "${cflags[@]}" "$shim"/*.c "$check" -lgpiod -o "$out/check-v1"
"$out/check-v1" 1

if [ ! -f "$sysroot/.ember-ready" ]; then
  echo "gpio: no trixie sysroot at $sysroot, building it" >&2
  tools/cross/make-sdk.sh
fi
[ -f "$sysroot/usr/include/gpiod.h" ] || { echo "gpio: $sysroot has no gpiod.h (libgpiod-dev:arm64)" >&2; exit 1; }
echo "gpio: v2 (trixie aarch64 sysroot)" >&2
clang --target=aarch64-linux-gnu --sysroot="$sysroot" -fuse-ld=lld "${cflags[@]}" \
  "$shim"/*.c "$check" -lgpiod -o "$out/check-v2"
qemu-aarch64 -L "$sysroot" "$out/check-v2" 2
