#!/usr/bin/env bash
# Ember's int8 all-MiniLM-L6-v2 beside onnxruntime's quantize_dynamic(per_channel=True) model of
# the same weights, in one run: batch 1, sequence lengths 16/64/128, 1 and 2 threads. Prints a
# Markdown table (median and minimum latency in ms, tokens/s at the median).
# With a batch size B > 1 (second argument) it times B sentences per run instead, 16/32/64 tokens
# each: Ember's embed(batch:) packed into shared runs of up to 128 tokens and one at a time, and
# onnxruntime's [B, T] export (equal lengths, nothing padded) and its batch-1 model one at a
# time; per sentence, medians in ms.
# Needs a venv with torch (the local CPU wheel), onnx, onnxscript, onnxruntime, safetensors:
#   python3 -m venv .build-models/venv && .build-models/venv/bin/pip install torch==2.13.0+cpu \
#     safetensors onnx onnxscript onnxruntime numpy
# Usage: tools/bench-encoder.sh [runs [batch]]   (EMBER_BIN, EMBER_VENV override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
export ORT_DISABLE_TELEMETRY=1
runs=${1:-50}
batch=${2:-1}
ember=${EMBER_BIN:-.build/release/ember}
python=${EMBER_VENV:-.build-models/venv}/bin/python
[ -x "$ember" ] || nice swift build -c release --product ember >&2
model=$(EMBER_BIN=$ember tools/models/fetch_minilm.sh)

if [ "$batch" -gt 1 ]; then
  ort=$("$python" tools/models/bench_encoder_ort.py .build-models/all-MiniLM-L6-v2 .build-models/ort-work --runs "$runs" \
    --batch "$batch" --tokens 16,32,64 2>/dev/null)
  ort1=$("$python" tools/models/bench_encoder_ort.py .build-models/all-MiniLM-L6-v2 .build-models/ort-work --runs "$runs" \
    --tokens 16,32,64 2>/dev/null)
  echo "| tokens | threads | Ember packed ms | Ember one at a time ms | onnxruntime batch $batch ms | onnxruntime one at a time ms |"
  echo "|---|---|---|---|---|---|"
  for threads in 1 2; do
    for tokens in 16 32 64; do
      per() { "$ember" bench "$model" --tokens "$tokens" --threads "$threads" --batch "$batch" --pack-tokens "$1" --runs "$runs" \
        --cold-runs 0 | sed -n 's/.* \([0-9.]*\) ms per sentence.*/\1/p'; }
      packed=$(per 128) alone=$(per 1)
      read -r _ _ _ op50 _ < <(grep "^ort $tokens $threads " <<<"$ort")
      read -r _ _ _ o1p50 _ < <(grep "^ort $tokens $threads " <<<"$ort1")
      echo "| $tokens | $threads | $packed | $alone | $op50 | $o1p50 |"
    done
  done
  exit 0
fi
ort=$("$python" tools/models/bench_encoder_ort.py .build-models/all-MiniLM-L6-v2 .build-models/ort-work --runs "$runs" 2>/dev/null)
echo "| tokens | threads | Ember p50 ms | Ember min ms | Ember tokens/s | onnxruntime p50 ms | onnxruntime min ms | onnxruntime tokens/s |"
echo "|---|---|---|---|---|---|---|---|"
for threads in 1 2; do
  for tokens in 16 64 128; do
    line=$("$ember" bench "$model" --tokens "$tokens" --threads "$threads" --runs "$runs" --cold-runs 0 | grep '^steady')
    p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$line")
    min=$(sed -n 's/.*min \([0-9.]*\) ms.*/\1/p' <<<"$line")
    read -r _ _ _ op50 omin < <(grep "^ort $tokens $threads " <<<"$ort")
    awk -v t="$tokens" -v n="$threads" -v a="$p50" -v b="$min" -v c="$op50" -v d="$omin" \
      'BEGIN { printf "| %d | %d | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f |\n", t, n, a, b, t * 1000 / a, c, d, t * 1000 / c }'
  done
done
