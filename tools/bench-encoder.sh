#!/usr/bin/env bash
# Ember's int8 all-MiniLM-L6-v2 beside onnxruntime's quantize_dynamic(per_channel=True) model of
# the same weights, in one run: batch 1, sequence lengths 16/64/128, 1 and 2 threads. Prints a
# Markdown table (median and minimum latency in ms, tokens/s at the median).
# Needs a venv with torch (the local CPU wheel), onnx, onnxscript, onnxruntime, safetensors:
#   python3 -m venv .build-models/venv && .build-models/venv/bin/pip install torch==2.13.0+cpu \
#     safetensors onnx onnxscript onnxruntime numpy
# Usage: tools/bench-encoder.sh [runs]   (EMBER_BIN, EMBER_VENV override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
export ORT_DISABLE_TELEMETRY=1
runs=${1:-50}
ember=${EMBER_BIN:-.build/release/ember}
python=${EMBER_VENV:-.build-models/venv}/bin/python
[ -x "$ember" ] || nice swift build -c release --product ember >&2
model=$(EMBER_BIN=$ember tools/models/fetch_minilm.sh)

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
