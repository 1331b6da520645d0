#!/usr/bin/env bash
# Memory traffic of all-MiniLM-L6-v2 embeddings on Pi-like cache hierarchies: a batch of 16
# sentences of T tokens through `ember bench --batch 16`, packed into shared runs of up to 128
# tokens and one sentence at a time (--pack-tokens 1), under qemu-user with the cachesim plugin
# (tools/qemu-icount/cachesim.c: set-associative LRU, 64-byte lines, data accesses only, no
# prefetching). Prints, per sentence, the lines each level missed and the bytes read from DRAM.
#   pi4: -cpu cortex-a72, L1D 32 KiB 2-way, L2 1 MiB 16-way (BCM2711)
#   pi5: -cpu cortex-a76, L1D 64 KiB 4-way, L2 512 KiB 8-way, L3 2 MiB 16-way (BCM2712)
# Per batch = (count with 3 batches - count with 1) / 2, so process start, model load and plan
# cancel out. One thread (the model is one core's private caches plus the shared last level).
#   tools/qemu-icount/count-cache.sh [MODEL.ember [TOKENS...]]   (default: the fetched MiniLM, 16 and 64)
# EMBER_PACKS lists the --pack-tokens values (default "1 128"); EMBER_BOARDS the boards (default "pi4 pi5").
# Needs the AArch64 build (tools/cross/build.sh). A model of memory traffic, not a timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-$(tools/models/fetch_minilm.sh)}
shift || true
[ $# -gt 0 ] || set -- 16 64
cross=${EMBER_CROSS_DIR:-$PWD/.build-cross}
sysroot=$cross/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
ember=${EMBER_AARCH64_BIN:-.build-aarch64/release/ember}
[ -x "$ember" ] && [ -d "$sysroot" ] || { echo "count-cache: build for AArch64 first (tools/cross/build.sh)" >&2; exit 2; }
tools/qemu-icount/build.sh >/dev/null
plugin=$PWD/.build/qemu-icount/libcachesim.so

count() {  # board, tokens, pack tokens, batches: "L1 L2 [L3] dram_bytes" over the whole process
  local cpu levels
  case $1 in
    pi4) cpu=cortex-a72 levels=l1=32k:2,l2=1m:16 ;;
    pi5) cpu=cortex-a76 levels=l1=64k:4,l2=512k:8,l3=2m:16 ;;
  esac
  qemu-aarch64 -L "$sysroot" -cpu "$cpu" -plugin "$plugin,$levels" -d plugin "$ember" bench "$model" --tokens "$2" \
    --batch 16 --pack-tokens "$3" --threads 1 --warmup 0 --cold-runs 0 --runs "$4" 2>&1 >/dev/null |
    awk '/^cachesim L[0-9] misses/ { printf "%s ", $4 } /^cachesim dram_bytes/ { print $3 }'
}

echo "| board | tokens | sentences per run | L1D misses per sentence | L2 misses | L3 misses | DRAM MB per sentence |"
echo "|---|---|---|---|---|---|---|"
for board in ${EMBER_BOARDS:-pi4 pi5}; do
  for tokens in "$@"; do
    for pack in ${EMBER_PACKS:-1 128}; do
      read -r -a one < <(count "$board" "$tokens" "$pack" 1)
      read -r -a three < <(count "$board" "$tokens" "$pack" 3)
      per=()
      for i in "${!one[@]}"; do per+=($(( (three[i] - one[i]) / 2 / 16 ))); done
      n=${#per[@]}
      l3=$([ "$n" -eq 4 ] && echo "${per[2]}" || echo "-")
      mb=$(awk -v b="${per[n - 1]}" 'BEGIN { printf "%.2f", b / 1e6 }')
      sentences=$(( pack / tokens < 1 ? 1 : (pack / tokens < 16 ? pack / tokens : 16) ))
      echo "| $board | $tokens | $sentences | ${per[0]} | ${per[1]} | $l3 | $mb |"
    done
  done
done
