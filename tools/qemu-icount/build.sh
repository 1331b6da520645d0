#!/usr/bin/env bash
# Builds the qemu TCG plugins: .build/qemu-icount/libicount.so (instruction counts; its path is
# printed) and .build/qemu-icount/libcachesim.so (cache-hierarchy model, tools/qemu-icount/count-cache.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build/qemu-icount
header="$(tools/qemu-icount/fetch-plugin-header.sh "$PWD/$out")"
gcc -O2 -shared -fPIC -Wall -Wextra -I"$(dirname "$header")" tools/qemu-icount/icount.c -o "$out/libicount.so"
gcc -O2 -shared -fPIC -Wall -Wextra -I"$(dirname "$header")" tools/qemu-icount/cachesim.c -o "$out/libcachesim.so"
echo "$PWD/$out/libicount.so"
