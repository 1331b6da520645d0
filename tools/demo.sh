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
notify=$work/notify.sock
rm -f "$notify"
# emberd says READY=1 on NOTIFY_SOCKET once the model is mapped and warmed up: wait for it.
python3 - "$notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
while b"READY=1" not in s.recv(4096): pass
PY
waiter=$!
while [ ! -S "$notify" ]; do sleep 0.05; done
NOTIFY_SOCKET=$PWD/$notify "$bin/emberd" --model "mobilenetv2=$model" --endpoint "$endpoint" \
  --pub-endpoint "" --log-level notice &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
wait $waiter || { echo "demo: emberd did not become ready" >&2; exit 1; }

(($#)) || set -- testdata/chelsea.png testdata/coffee.png
"$bin/ember" infer --endpoint "$endpoint" --model mobilenetv2 --top-k 5 "$@"
