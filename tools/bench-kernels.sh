#!/usr/bin/env bash
# Kernel benchmark on this machine: GOPS of every GEMM and depthwise path the CPU has, for every
# MobileNetV2 layer shape, and of every qd8 (encoder) GEMM path for all-MiniLM-L6-v2's linear layers
# at 16/64/128 tokens; 1 and 2 threads (see tools/bench-kernels/bench_kernels.c).
#   tools/bench-kernels.sh [bench options, e.g. --threads 1 --kernel avx2 --min-time 0.2]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/bench
"${CC:-clang}" -O2 -std=gnu11 -ffp-contract=off -ISources/CEmberKernels/include -ISources/CEmberKernels \
  Sources/CEmberKernels/*.c tools/bench-kernels/bench_kernels.c -lm -lpthread -o .build/bench/bench_kernels
exec .build/bench/bench_kernels "$@"
