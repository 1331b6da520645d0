#!/usr/bin/env bash
# The Python client (clients/python) against a real emberd serving the builtin echo model and
# the bundled MobileNetV2 (converted here with `ember convert`).
# Uses Debian's python3 (python3-zmq, installed by tools/setup.sh) and the release emberd that
# tools/test.sh has just built.
set -euo pipefail
emberd=${EMBERD:-.build/release/emberd}
[ -x "$emberd" ] || swift build -c release --product emberd
python=/usr/bin/python3
"$python" -c 'import zmq' 2>/dev/null || { echo "python3-zmq missing: run tools/setup.sh" >&2; exit 1; }

dir=$(mktemp -d /tmp/ember-pyclient.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

ember=$(dirname "$emberd")/ember
[ -x "$ember" ] || swift build -c release --product ember
"$ember" convert models/mobilenetv2/mobilenetv2_imagenet_int8.tflite -o "$dir/mobilenetv2.ember" \
  --labels models/mobilenetv2/labels.json --preprocess imagenet >/dev/null

"$emberd" --endpoint "ipc://$dir/emberd.sock" --pub-endpoint "" --model echo=builtin:echo \
  --model "mobilenetv2=$dir/mobilenetv2.ember" --log-level notice 2>"$dir/emberd.log" &
pid=$!
EMBER_ENDPOINT="ipc://$dir/emberd.sock" PYTHONPATH=clients/python \
  "$python" clients/python/test_ember_client.py 2>&1 || { cat "$dir/emberd.log" >&2; exit 1; }

# The documented example, on the bundled photos: the coffee photo's top-1 is an espresso.
out=$(cd clients/python && "$python" example.py --endpoint "ipc://$dir/emberd.sock" --model mobilenetv2 \
  ../../testdata/chelsea.png ../../testdata/coffee.png)
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -A1 'coffee.png:' | grep -q espresso || { echo "python example: no espresso for coffee.png" >&2; exit 1; }

kill -TERM "$pid"
wait "$pid"
pid=""
echo "python client: ok" >&2
