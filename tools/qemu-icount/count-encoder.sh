#!/usr/bin/env bash
# Executed AArch64 instructions per kernel for one all-MiniLM-L6-v2 embedding's kernel calls
# (tools/bench-kernels/encoder_kernels.c: random weights, the engine's shapes and order), under
# qemu-user as Cortex-A72, Cortex-A76 and "max" (i8mm). Deterministic. The Swift engine adds
# almost nothing to these (compare tools/qemu-icount/count-inference.sh --encoder).
#   tools/qemu-icount/count-encoder.sh [TOKENS...]     (default: 16 64 128)
# EMBER_ENCODER_CPUS replaces the -cpu list.
# EMBER_ENCODER_SMOOTH=1: the QKV and FFN-up linears take dynamicLinear's input scale (`smooth`);
# EMBER_ENCODER_ROTATE=1: that and every linear's Hadamard rotation, as `ember convert` writes it (`rotate`).
# EMBER_AARCH64_CC overrides the compiler command (the counts of compiler-vectorized loops depend on
# the clang version; the cross build uses Debian trixie's swiftlang clang 17).
set -euo pipefail
cd "$(dirname "$0")/../.."
plugin="$(tools/qemu-icount/build.sh)"
bin=.build/qemu-icount/encoder_kernels-aarch64
${EMBER_AARCH64_CC:-clang --target=aarch64-linux-gnu -fuse-ld=lld} -O2 -static -fno-strict-aliasing -ffp-contract=off \
  -ISources/CEmberKernels/include -ISources/CEmberKernels Sources/CEmberKernels/*.c tools/bench-kernels/encoder_kernels.c \
  -lm -lpthread -o "$bin"
[ $# -gt 0 ] || set -- 16 64 128
printf '| -cpu | tokens | kernel | instructions |\n|---|---|---|---|\n'
for cpu in ${EMBER_ENCODER_CPUS:-cortex-a72 cortex-a76 max}; do
  for tokens in "$@"; do
    # Packing the random weights (and its narrow-range check) is set-up, not part of an embedding; kernels under 100k are summed only.
    qemu-aarch64 -cpu "$cpu" -plugin "$plugin,prefix=ember_,top=40" -d plugin "$bin" "$tokens" 1 ${EMBER_ENCODER_SMOOTH:+smooth} ${EMBER_ENCODER_ROTATE:+rotate} 2>&1 >/dev/null |
      awk -v cpu="$cpu" -v t="$tokens" '/^icount symbol/ && $3 != "ember_qs8_gemm_pack" && $3 != "ember_qs8_gemm_packed_narrow" { sum += $4; if ($4 >= 100000) printf "| %s | %s | %s | %s |\n", cpu, t, $3, $4 }
        END { printf "| %s | %s | all kernels | %d |\n", cpu, t, sum }'
  done
done
