#!/usr/bin/env bash
# Edge-to-published-result latency of GPIO triggers on emberd's simulated chip (release build):
# a trigger running the bundled MobileNetV2 on testdata/chelsea.png, with an infer request of the
# same photo as its peer, and a trigger running builtin:echo on a small text file (what the
# trigger path costs without a network). Edges go one at a time through the simulated chip's FIFO.
#   tools/bench-trigger.sh [COUNT]     (default 200 edges per trigger)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200}

echo "bench-trigger: building (release)" >&2
swift build -c release --product emberd >/dev/null
swift build -c release --product ember >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$PWD/.build/bench-trigger
rm -rf "$work"
mkdir -p "$work"
src=models/mobilenetv2
"$bin/ember" convert "$src/mobilenetv2_imagenet_int8.tflite" --labels "$src/labels.json" \
  --preprocess "$src/preprocess.json" -o "$work/mobilenetv2.ember" >&2
printf 'edge' > "$work/input.txt"

cat > "$work/emberd.toml" <<TOML
endpoint = "ipc://$work/emberd.sock"
pub_endpoint = "ipc://$work/events.sock"
log_level = "notice"
workers = 1
threads_per_inference = 1

[[model]]
name = "mobilenetv2"
path = "$work/mobilenetv2.ember"

[[model]]
name = "echo"
path = "builtin:echo"

[gpio]
backend = "simulated"
simulated_fifo = "$work/gpio.fifo"

[[trigger]]
name = "photo"
model = "mobilenetv2"
line = "GPIO17"
debounce_ms = 0
min_interval_ms = 0
source = "file"
source_path = "$PWD/testdata/chelsea.png"

[[trigger]]
name = "echo"
model = "echo"
line = "GPIO18"
debounce_ms = 0
min_interval_ms = 0
input_type = "text"
source = "file"
source_path = "$work/input.txt"
TOML

source tools/lib/emberd-ready.sh
start_emberd_ready "$work" 120 -- "$bin/emberd" --config "$work/emberd.toml"
trap 'kill -TERM $EMBERD_PID 2>/dev/null; wait $EMBERD_PID 2>/dev/null || true' EXIT

common=(--fifo "$work/gpio.fifo" --events "ipc://$work/events.sock" --endpoint "ipc://$work/emberd.sock" --count "$count")
"$bin/ember" bench-trigger "${common[@]}" --trigger photo --line GPIO17 --model mobilenetv2 --image testdata/chelsea.png
"$bin/ember" bench-trigger "${common[@]}" --trigger echo --line GPIO18
