#!/usr/bin/env bash
# Side by side, in one run on this machine: Ember, LiteRT with XNNPACK and onnxruntime (a QOperator
# model rewritten op for op from the same int8 TFLite weights), at 1 and 2 threads.
#
#   tools/bench-peers.sh [--runs N] [--warmup N] [--threads "1 2"] [MODEL.tflite]
#
# The peers live in a virtual environment under .build-venv/peers (created on first use, ~150 MB
# from PyPI). Every runtime gets the same protocol: fixed pseudo-random input, warm-up runs, then
# timed runs one by one, p50/p90/p99 by nearest rank. Ember's line comes from `ember bench`, which
# also reports first inference and cold start (process start to first result). Prints a Markdown
# table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=100 warmup=10 threads="1 2"
model=models/mobilenetv2/mobilenetv2_imagenet_int8.tflite
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *.tflite) model=$1; shift ;;
    *) echo "bench-peers: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$model" ] || { echo "bench-peers: no model $model" >&2; exit 2; }

venv=.build-venv/peers
if ! "$venv/bin/python" -c "import ai_edge_litert, onnxruntime, onnx, tflite" 2>/dev/null; then
  echo "bench-peers: installing the peers into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ai-edge-litert==2.3.0 onnxruntime==1.32.0 onnx numpy tflite
fi
export ORT_DISABLE_TELEMETRY=1

ember=${EMBER_BIN:-}  # an already built ember, else build one
if [ -z "$ember" ]; then
  swift build -c release --product ember >/dev/null
  ember=$(swift build -c release --show-bin-path)/ember
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
name=$(basename "$model" .tflite)
"$ember" convert "$model" --preprocess imagenet -o "$work/$name.ember" >/dev/null
"$venv/bin/python" tools/peers/tflite_to_onnx_qop.py "$model" "$work/$name.onnx"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; ember kernels: $("$ember" cpu | sed -n 's/^path: *//p')" >&2
echo "| runtime | threads | p50 ms | p90 ms | p99 ms | notes |"
echo "|---|---|---|---|---|---|"
for t in $threads; do
  "$ember" bench "$work/$name.ember" --threads "$t" --runs "$runs" --warmup "$warmup" --cold-runs 5 > "$work/ember.txt"
  steady=$(sed -n 's/^steady state: p50 \([0-9.]*\) ms, p90 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 | \2 | \3/p' "$work/ember.txt")
  first=$(sed -n 's/^first run: *\([0-9.]*\) ms/\1/p' "$work/ember.txt")
  cold=$(sed -n 's/^cold start: *\([0-9.]*\) ms median.*/\1/p' "$work/ember.txt")
  echo "| Ember | $t | $steady | first inference $first ms, cold start $cold ms |"
  "$venv/bin/python" tools/peers/bench_peers.py --tflite "$model" --onnx "$work/$name.onnx" --threads "$t" \
      --runs "$runs" --warmup "$warmup" 2>/dev/null |
    sed -n 's/^\([a-z-]*\) threads=\([0-9]*\) p50=\([0-9.]*\) p90=\([0-9.]*\) p99=\([0-9.]*\) \(.*\)/| \1 | \2 | \3 | \4 | \5 | \6 |/p'
done
