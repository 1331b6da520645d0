#!/usr/bin/env bash
# Executed AArch64 instructions of each GEMM, depthwise, im2col and ADD kernel for the layers of one
# MobileNetV2 1.0/224 inference (tools/bench-kernels --once), under qemu-user as Cortex-A72,
# Cortex-A76 and "max". Deterministic: the same binary gives the same counts on every run.
#   tools/qemu-icount/count-kernels.sh [--board-cc] [--model FILE.ember] [--layer I]
#     --board-cc  compile the kernels with the board's clang 17 (tools/cross/board-cc.sh, needs
#                 the cross SDK: EMBER_CROSS_DIR) as the cross build does, not the host's clang;
#                 the two generate different code (docs/kernels.md, "Depthwise 3x3")
#     --model F   the real layers of model F (tools/bench-kernels/model_layers.py): its packed
#                 weights, shifts, pads and zero points instead of synthetic parameters
#     --layer I   only layer I (0-based) of each list; default: all layers
set -euo pipefail
cd "$(dirname "$0")/../.."
plugin="$(tools/qemu-icount/build.sh)"
out=.build/qemu-icount
bin=$out/bench_kernels-aarch64
flags=(-O2 -fno-strict-aliasing -ffp-contract=off -ISources/CEmberKernels/include -ISources/CEmberKernels)
board=0 args=()
while [ $# -gt 0 ]; do
  case $1 in
    --board-cc) board=1 ;;
    --model) python3 tools/bench-kernels/model_layers.py "$2" > "$out/layers.txt"; args+=(--model "$2" --layers "$out/layers.txt"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ $board = 1 ]; then
  rm -rf "$out/board-obj" && mkdir -p "$out/board-obj"
  for f in Sources/CEmberKernels/*.c; do tools/cross/board-cc.sh "${flags[@]}" -c "$f" -o "$out/board-obj/$(basename "$f" .c).o"; done
  clang --target=aarch64-linux-gnu -fuse-ld=lld -static "${flags[@]}" "$out"/board-obj/*.o tools/bench-kernels/bench_kernels.c -lm -lpthread -o "$bin"
else
  clang --target=aarch64-linux-gnu -fuse-ld=lld -static "${flags[@]}" Sources/CEmberKernels/*.c tools/bench-kernels/bench_kernels.c -lm -lpthread -o "$bin"
fi

printf '| -cpu | kernel | instructions | SDOT | SMMLA |\n|---|---|---|---|---|\n'
for cpu in cortex-a72 cortex-a76 max; do
  case $cpu in
    cortex-a72) kernels="ember_qs8_gemm_2x8c8__neon ember_qs8_gemm_2x8c8__neon_mlal ember_qs8_dwconv3x3_c16__neon ember_qs8_im2col ember_qs8_add__neon" ;;
    cortex-a76) kernels="ember_qs8_gemm_8x8c8__neondot ember_qs8_gemm_8x8c8__neondot_smallk" ;;
    max) kernels="ember_qs8_gemm_8x8c8__i8mm" ;;
  esac
  for k in $kernels; do
    sel=$k; [ "$k" = ember_qs8_im2col ] && sel=ember_qs8_im2col__ref  # one function for every ISA
    # _smallk hands K > 32 to ember_qs8_gemm_8x8c8__neondot: the shorter prefix counts both (the
    # engine's choice on the A76); the 8x8 row alone runs every layer with the 8x8 kernel. The i8mm
    # kernel hands K <= 32 to _neondot_smallk: its row counts every ember_qs8_gemm_8x8c8__ symbol.
    prefix=${k%_smallk}; [ "$k" = ember_qs8_gemm_8x8c8__i8mm ] && prefix=ember_qs8_gemm_8x8c8__
    line="$(qemu-aarch64 -cpu "$cpu" -plugin "$plugin,prefix=$prefix,top=0" -d plugin "$bin" --once --kernel "$sel\$" ${args[@]+"${args[@]}"} 2>&1 | grep "^icount prefix")"
    # icount prefix 'NAME' COUNT (dot D, mmla M)
    read -r count dot mmla < <(echo "$line" | sed -E "s/.*' ([0-9]+) \(dot ([0-9]+), mmla ([0-9]+)\)/\1 \2 \3/")
    printf '| %s | %s | %s | %s | %s |\n' "$cpu" "$k" "$count" "$dot" "$mmla"
  done
done
