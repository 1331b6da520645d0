#!/usr/bin/env bash
# Executed AArch64 instructions of each GEMM, depthwise and ADD kernel for the layers of one
# MobileNetV2 1.0/224 inference (tools/bench-kernels --once), under qemu-user as Cortex-A72,
# Cortex-A76 and "max". Deterministic: the same binary gives the same counts on every run.
#   tools/qemu-icount/count-kernels.sh [--layer I]   (per layer; default: all layers)
set -euo pipefail
cd "$(dirname "$0")/../.."
plugin="$(tools/qemu-icount/build.sh)"
bin=.build/qemu-icount/bench_kernels-aarch64
clang --target=aarch64-linux-gnu -fuse-ld=lld -O2 -static -ffp-contract=off -ISources/CEmberKernels/include -ISources/CEmberKernels \
  Sources/CEmberKernels/*.c tools/bench-kernels/bench_kernels.c -lm -lpthread -o "$bin"

# MACs of the layers the bench runs once per inference (GEMM and depthwise), from the bench's tables.
printf '| -cpu | kernel | instructions | SDOT | SMMLA |\n|---|---|---|---|---|\n'
for cpu in cortex-a72 cortex-a76 max; do
  case $cpu in
    cortex-a72) kernels="ember_qs8_gemm_2x8c8__neon ember_qs8_gemm_2x8c8__neon_mlal ember_qs8_dwconv3x3_c16__neon ember_qs8_add__neon" ;;
    cortex-a76) kernels="ember_qs8_gemm_8x8c8__neondot" ;;
    max) kernels="ember_qs8_gemm_8x8c8__i8mm" ;;
  esac
  for k in $kernels; do
    line="$(qemu-aarch64 -cpu "$cpu" -plugin "$plugin,prefix=$k,top=0" -d plugin "$bin" --once --kernel "$k\$" "$@" 2>&1 | grep "^icount prefix")"
    # icount prefix 'NAME' COUNT (dot D, mmla M)
    read -r count dot mmla < <(echo "$line" | sed -E "s/.*' ([0-9]+) \(dot ([0-9]+), mmla ([0-9]+)\)/\1 \2 \3/")
    printf '| %s | %s | %s | %s | %s |\n' "$cpu" "$k" "$count" "$dot" "$mmla"
  done
done
