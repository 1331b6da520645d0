#!/usr/bin/env bash
# Builds the instruction-count plugin: .build/qemu-icount/libicount.so
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build/qemu-icount
header="$(tools/qemu-icount/fetch-plugin-header.sh "$PWD/$out")"
gcc -O2 -shared -fPIC -Wall -Wextra -I"$(dirname "$header")" tools/qemu-icount/icount.c -o "$out/libicount.so"
echo "$PWD/$out/libicount.so"
