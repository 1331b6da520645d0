#!/usr/bin/env bash
# The main job, end to end on this machine: install what is missing, build, convert the bundled
# MobileNetV2, start emberd with it, send the bundled photos over ZeroMQ, print their top-5
# labels, stop emberd.
#   tools/demo.sh [IMAGE ...]        (default: testdata/chelsea.png testdata/coffee.png)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

echo "demo: building (release)" >&2
swift build -c release --product emberd >/dev/null
swift build -c release --product ember >/dev/null
bin=$(swift build -c release --show-bin-path)

work=.build/demo
mkdir -p "$work"
model=$work/mobilenetv2.ember
src=models/mobilenetv2
if [ ! -f "$model" ] || [ "$src/mobilenetv2_imagenet_int8.tflite" -nt "$model" ] || [ "$bin/ember" -nt "$model" ]; then
  "$bin/ember" convert "$src/mobilenetv2_imagenet_int8.tflite" --labels "$src/labels.json" \
    --preprocess "$src/preprocess.json" -o "$model" >&2
fi

endpoint="ipc://$PWD/$work/emberd.sock"
source tools/lib/emberd-ready.sh
start_emberd_ready "$work" 60 -- "$bin/emberd" --model "mobilenetv2=$model" --endpoint "$endpoint" \
  --pub-endpoint "" --log-level notice
trap 'kill -TERM $EMBERD_PID 2>/dev/null; wait $EMBERD_PID 2>/dev/null || true' EXIT

(($#)) || set -- testdata/chelsea.png testdata/coffee.png
"$bin/ember" infer --endpoint "$endpoint" --model mobilenetv2 --top-k 5 "$@"
