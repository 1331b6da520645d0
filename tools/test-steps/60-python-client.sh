#!/usr/bin/env bash
# The Python client (clients/python) against a real emberd serving the builtin echo model.
# Uses Debian's python3 (python3-zmq, installed by tools/setup.sh) and the release emberd that
# tools/test.sh has just built.
set -euo pipefail
emberd=.build/release/emberd
[ -x "$emberd" ] || swift build -c release --product emberd
python=/usr/bin/python3
"$python" -c 'import zmq' 2>/dev/null || { echo "python3-zmq missing: run tools/setup.sh" >&2; exit 1; }

dir=$(mktemp -d /tmp/ember-pyclient.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

"$emberd" --endpoint "ipc://$dir/emberd.sock" --pub-endpoint "" --model echo=builtin:echo \
  --log-level notice 2>"$dir/emberd.log" &
pid=$!
EMBER_ENDPOINT="ipc://$dir/emberd.sock" PYTHONPATH=clients/python \
  "$python" clients/python/test_ember_client.py 2>&1 || { cat "$dir/emberd.log" >&2; exit 1; }

kill -TERM "$pid"
wait "$pid"
pid=""
echo "python client: ok" >&2
