#!/usr/bin/env bash
# Executed AArch64 instructions per inference of a whole model (every op, the engine, libc), under
# qemu-user as Cortex-A72 (Pi 4) and Cortex-A76 (Pi 5): Ember's cross-built `ember` next to LiteRT
# 2.3 with XNNPACK (its aarch64 wheel, in Debian trixie's aarch64 Python 3.13), counted by the same
# plugin in the same run. One thread each.
#
#   tools/qemu-icount/count-inference.sh [MODEL.tflite]     (default: the bundled MobileNetV2)
#   tools/qemu-icount/count-inference.sh --encoder [MODEL.ember]
#       Instructions per embedding at 16, 64 and 128 tokens. Default: all-MiniLM-L6-v2 (fetched and
#       converted by tools/models/fetch_minilm.sh) next to onnxruntime 1.32's aarch64 wheel running
#       its quantize_dynamic(per_channel=True) model of the same weights (exported by
#       tools/models/bench_encoder_ort.py with the host's model venv); a MODEL given: Ember only.
#
# EMBER_ICOUNT_FORMS=N adds, per runtime, its N most executed instruction forms per inference or
# embedding (mnemonic and arrangement, "smlal .8h", "fmla .4s[]" for a by-element form).
# Per inference = (count with N+10 inferences - count with N) / 10 (encoder: N+2 and 2), so process start, model load,
# weight packing and the first inference cancel out. Ember's counts repeat exactly; LiteRT's and
# onnxruntime's move by a few percent from run to run, so theirs is the median of
# EMBER_ICOUNT_PEER_REPEATS (default 3) measurements, each printed on stderr. EMBER_ICOUNT_CPUS
# replaces the -cpu list: "max,sve=off,sme=off" is a NEON core with i8mm; with SVE on, onnxruntime
# runs SVE code, whose multiplies the last column does not count. Needs the AArch64
# build (tools/cross/build.sh) and, on first use, downloads the Python root (Debian packages) and
# the wheels (PyPI) into .build-cross/py-arm64.
set -euo pipefail
cd "$(dirname "$0")/../.."
encoder=0
if [ "${1:-}" = --encoder ]; then encoder=1; shift; fi
model=${1:-models/mobilenetv2/mobilenetv2_imagenet_int8.tflite}
cpus=${EMBER_ICOUNT_CPUS:-cortex-a72 cortex-a76}
cross=${EMBER_CROSS_DIR:-$PWD/.build-cross}
sysroot=$cross/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
ember=${EMBER_AARCH64_BIN:-.build-aarch64/release/ember}
py=$cross/py-arm64
[ -x "$ember" ] && [ -d "$sysroot" ] || { echo "count-inference: build for AArch64 first (tools/cross/build.sh)" >&2; exit 2; }
plugin=$(tools/qemu-icount/build.sh)
native_ember=${EMBER_BIN:-$(swift build -c release --show-bin-path)/ember}

count() {  # -cpu, -L root, command...: total executed instructions and SDOT/UDOT + SMMLA/UMMLA instructions
  local cpu=$1 root=$2; shift 2
  env -i ORT_DISABLE_TELEMETRY=1 PYTHONPATH="${py:-}/site" PYTHONHASHSEED=0 qemu-aarch64 -L "$root" -cpu "$cpu" \
    -plugin "$plugin,top=0" -d plugin "$@" 2>&1 >/dev/null |
    awk '/^icount total/ { n = $3 } /^icount all dot/ { d = $4 + $6 } END { print n, d }'
}
forms_per_inference() {  # as per_inference, for the EMBER_ICOUNT_FORMS most executed instruction forms
  local cpu=$1 root=$2 runner=$3 extra=${4:-10}
  run_forms() {
    env -i ORT_DISABLE_TELEMETRY=1 PYTHONPATH="${py:-}/site" PYTHONHASHSEED=0 qemu-aarch64 -L "$root" -cpu "$cpu" \
      -plugin "$plugin,top=0,mnemonics=$((EMBER_ICOUNT_FORMS * 4))" -d plugin $($runner "$1") 2>&1 >/dev/null | sed -n 's/^icount form //p'
  }
  join -t '|' -a 2 -e 0 -o 0,1.2,2.2 <(run_forms 2 | sort -t '|' -k 1,1) <(run_forms $((2 + extra)) | sort -t '|' -k 1,1) |
    awk -F '|' -v e="$extra" '{ printf "%s|%d\n", $1, ($3 - $2) / e }' | sort -t '|' -k 2,2nr | head -n "$EMBER_ICOUNT_FORMS"
}
# -cpu, -L root, runner (a function taking the inference count), [extra runs], [measurements]:
# instructions and dot-product instructions per inference, the median of the measurements.
per_inference() {
  local cpu=$1 root=$2 runner=$3 extra=${4:-10} repeats=${5:-1} a b i values=()
  for ((i = 0; i < repeats; i++)); do
    a=$(count "$cpu" "$root" $($runner 2)); b=$(count "$cpu" "$root" $($runner $((2 + extra))))
    values+=("$(( (${b% *} - ${a% *}) / extra )) $(( (${b#* } - ${a#* }) / extra ))")
  done
  [ "$repeats" = 1 ] || echo "count-inference: $runner on $cpu: $(printf '%s, ' "${values[@]%% *}")median below" >&2
  printf '%s\n' "${values[@]}" | sort -n | sed -n "$(( (repeats + 1) / 2 ))p"
}
# The peers' counts move between processes (their threads, Python's start-up): they are measured
# this many times. Once, a LiteRT process that ran 2 inferences executed more than one that ran 12.
peer_repeats=${EMBER_ICOUNT_PEER_REPEATS:-3}

setup_python() {  # the aarch64 Python with LiteRT and onnxruntime, once
  [ -f "$py/.ready" ] && [ -d "$py/site/onnxruntime" ] && return 0
  echo "count-inference: setting up an aarch64 Python in $py" >&2
  rm -rf "$py"; mkdir -p "$py/wheels" "$py/site"
  # First stage only: unpacks the base system; the rest of the .debs (python3) are unpacked by hand.
  debootstrap --arch=arm64 --foreign --variant=minbase --include=python3 trixie "$py/root" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  for deb in "$py"/root/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$py/root"; done
  python3 -m pip download -q --only-binary=:all: --implementation cp --python-version 3.13 \
    --platform manylinux_2_27_aarch64 --platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 \
    ai-edge-litert==2.3.0 onnxruntime==1.32.0 numpy -d "$py/wheels"
  for whl in "$py"/wheels/*.whl; do python3 -m zipfile -e "$whl" "$py/site"; done
  # qemu-user shows the guest the host's /proc/cpuinfo unless the -L root has its own: XNNPACK's
  # cpuinfo parser needs an ARM one (features from hwcaps still come from qemu's -cpu).
  mkdir -p "$py/root/proc"
  printf 'processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n' > "$py/root/proc/cpuinfo"
  touch "$py/.ready"
}

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ $encoder -eq 1 ]; then
  runtimes=ember
  if [ "$model" = models/mobilenetv2/mobilenetv2_imagenet_int8.tflite ]; then
    model=$(EMBER_BIN=$native_ember tools/models/fetch_minilm.sh)
    # The peer: onnxruntime's quantize_dynamic(per_channel=True) model of the same weights, as
    # tools/bench-encoder.sh times it on x86 (exported once with the host's model venv).
    setup_python
    ort_model=.build-models/ort-work/minilm-int8-per-channel.onnx
    [ -f "$ort_model" ] || ORT_DISABLE_TELEMETRY=1 "${EMBER_VENV:-.build-models/venv}/bin/python" \
      tools/models/bench_encoder_ort.py .build-models/all-MiniLM-L6-v2 .build-models/ort-work --export-only >&2
    cat > "$work/ort_runs.py" <<'PY'
import sys
import numpy as np
import onnxruntime as ort
options = ort.SessionOptions()
options.intra_op_num_threads = options.inter_op_num_threads = 1
session = ort.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
tokens = int(sys.argv[2])
ids = np.concatenate([[101], np.random.default_rng(5).integers(1000, 21000, tokens - 2), [102]]).astype(np.int64)[None, :]
for _ in range(int(sys.argv[3])):
    session.run(None, {"input_ids": ids})
PY
    runtimes="ember ort"
  fi
  echo "| -cpu | tokens | runtime | instructions per embedding | dot-product and matrix-multiply instructions |"
  echo "|---|---|---|---|---|"
  for cpu in $cpus; do
    for tokens in 16 64 128; do
      ember_encoder_cmd() { echo "$ember bench $model --tokens $tokens --threads 1 --warmup 0 --cold-runs 0 --runs $1"; }
      ort_encoder_cmd() { echo "$py/root/usr/bin/python3 $work/ort_runs.py $ort_model $tokens $1"; }
      for runtime in $runtimes; do
        if [ "$runtime" = ember ]; then name=Ember root=$sysroot; else name="onnxruntime 1.32" root=$py/root; fi
        repeats=1; [ "$runtime" = ember ] || repeats=$peer_repeats
        read -r n d < <(per_inference "$cpu" "$root" ${runtime}_encoder_cmd 2 "$repeats")  # an embedding is long: 2 extra runs
        printf '| %s | %s | %s | %s | %s |\n' "$cpu" "$tokens" "$name" "$n" "$d"
        if [ -n "${EMBER_ICOUNT_FORMS:-}" ]; then
          forms_per_inference "$cpu" "$root" ${runtime}_encoder_cmd 2 | awk -F '|' '{ printf "|   |   | %s | %s | |\n", $1, $2 }'
        fi
      done
    done
  done
  exit 0
fi

setup_python
"$native_ember" convert "$model" --preprocess imagenet -o "$work/m.ember" >/dev/null
cp "$model" "$work/m.tflite"
cat > "$work/litert_runs.py" <<'PY'
import sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter
interpreter = Interpreter(model_path=sys.argv[1], num_threads=1)  # XNNPACK delegate by default
interpreter.allocate_tensors()
detail = interpreter.get_input_details()[0]
interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
for _ in range(int(sys.argv[2])):
    interpreter.invoke()
PY

ember_cmd() { echo "$ember bench $work/m.ember --threads 1 --warmup 0 --cold-runs 0 --runs $1"; }
litert_cmd() { echo "$py/root/usr/bin/python3 $work/litert_runs.py $work/m.tflite $1"; }

echo "| -cpu | runtime | instructions per inference | dot-product and matrix-multiply instructions |"
echo "|---|---|---|---|"
for cpu in $cpus; do
  for runtime in ember litert; do
    if [ "$runtime" = ember ]; then name=Ember root=$sysroot; else name="LiteRT 2.3 + XNNPACK" root=$py/root; fi
    repeats=1; [ "$runtime" = ember ] || repeats=$peer_repeats
    read -r n d < <(per_inference "$cpu" "$root" ${runtime}_cmd 10 "$repeats")
    printf '| %s | %s | %s | %s |\n' "$cpu" "$name" "$n" "$d"
    if [ -n "${EMBER_ICOUNT_FORMS:-}" ]; then
      forms_per_inference "$cpu" "$root" ${runtime}_cmd | awk -F '|' '{ printf "|   | %s | %s | |\n", $1, $2 }'
    fi
  done
done
