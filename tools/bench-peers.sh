#!/usr/bin/env bash
# Side by side, in one run on this machine: Ember, LiteRT with XNNPACK and onnxruntime (a QOperator
# model rewritten op for op from the same int8 TFLite weights), at 1 and 2 threads.
#
#   tools/bench-peers.sh [--runs N] [--warmup N] [--rounds R] [--threads "1 2"] [MODEL.tflite]
#
# --rounds R repeats the whole comparison R times per thread count, the runtimes alternating, and
# reports each runtime's median over the rounds of p50 / p90 / p99, with the range of its p50s: on
# a shared host a burst of noise then lands on every runtime alike instead of on one.
#
# The peers live in a virtual environment under .build-venv/peers (created on first use, ~150 MB
# from PyPI). Every runtime gets the same protocol: fixed pseudo-random input, warm-up runs, then
# timed runs one by one, p50/p90/p99 by nearest rank. Ember's line comes from `ember bench`, which
# also reports first inference and cold start (process start to first result). Prints a Markdown
# table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=100 warmup=10 rounds=1 threads="1 2"
model=models/mobilenetv2/mobilenetv2_imagenet_int8.tflite
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
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
[ "$rounds" -ge 1 ] 2>/dev/null || { echo "bench-peers: --rounds needs a positive integer" >&2; exit 2; }
# One line per runtime and round: runtime|threads|p50|p90|p99|notes
for t in $threads; do
  for r in $(seq "$rounds"); do
    cold=0; [ "$r" = 1 ] && cold=5  # cold start (process start to first result) once per thread count
    "$ember" bench "$work/$name.ember" --threads "$t" --runs "$runs" --warmup "$warmup" --cold-runs "$cold" > "$work/ember.txt"
    steady=$(sed -n 's/^steady state: p50 \([0-9.]*\) ms, p90 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1|\2|\3/p' "$work/ember.txt")
    first=$(sed -n 's/^first run: *\([0-9.]*\) ms/\1/p' "$work/ember.txt")
    notes="first inference $first ms"
    [ "$cold" = 0 ] || notes="$notes, cold start $(sed -n 's/^cold start: *\([0-9.]*\) ms median.*/\1/p' "$work/ember.txt") ms"
    echo "Ember|$t|$steady|$notes" >> "$work/rounds.txt"
    "$venv/bin/python" tools/peers/bench_peers.py --tflite "$model" --onnx "$work/$name.onnx" --threads "$t" \
        --runs "$runs" --warmup "$warmup" 2>/dev/null |
      sed -n 's/^\([a-z-]*\) threads=\([0-9]*\) p50=\([0-9.]*\) p90=\([0-9.]*\) p99=\([0-9.]*\) \(.*\)/\1|\2|\3|\4|\5|\6/p' >> "$work/rounds.txt"
  done
done
python3 - "$work/rounds.txt" "$rounds" <<'PY'
import statistics, sys
rows, rounds = {}, int(sys.argv[2])
for line in open(sys.argv[1]):
    name, threads, p50, p90, p99, notes = line.rstrip("\n").split("|", 5)
    rows.setdefault((threads, name), []).append((float(p50), float(p90), float(p99), notes))
print("| runtime | threads | p50 ms | p90 ms | p99 ms | " + ("p50 range over %d rounds | " % rounds if rounds > 1 else "") + "notes |")
print("|---|---|---|---|---|" + ("---|" if rounds > 1 else "") + "---|")
for (threads, name), runs in rows.items():
    med = [statistics.median(r[i] for r in runs) for i in range(3)]
    p50s = [r[0] for r in runs]
    spread = "%.2f-%.2f | " % (min(p50s), max(p50s)) if rounds > 1 else ""
    print("| %s | %s | %.2f | %.2f | %.2f | %s%s |" % (name, threads, *med, spread, runs[0][3]))
PY
