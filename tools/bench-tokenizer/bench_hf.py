"""The peer of tools/bench-tokenizer/main.swift: Hugging Face tokenizers on the same corpus, one
thread, one line at a time (encode) and in batches (encode_batch, RAYON_NUM_THREADS=1); timed by the
process CPU time, so work on rayon's worker thread counts."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
from make_tokenizer_goldens import unescape  # noqa: E402
from tokenizers import BertWordPieceTokenizer, __version__  # noqa: E402

root = sys.argv[1] if len(sys.argv) > 1 else "."
with open(os.path.join(root, "testdata/tokenizer/corpus.txt"), encoding="utf-8", newline="") as f:
    corpus = [unescape(l) for l in f.read().split("\n") if l]
tok = BertWordPieceTokenizer(os.path.join(root, "testdata/minilm/vocab.txt"), lowercase=True)
tokens = sum(len(e.ids) - 2 for e in tok.encode_batch(corpus))
nbytes = sum(len(l.encode()) for l in corpus)
for name, run in (("encode", lambda: [tok.encode(l) for l in corpus]), ("encode_batch", lambda: tok.encode_batch(corpus))):
    best = float("inf")
    for _ in range(5):
        t = time.process_time()
        run()
        best = min(best, time.process_time() - t)
    print(f"HF tokenizers {__version__} {name}: {len(corpus)} lines, {tokens} tokens: {int(tokens / best)} tokens/s, "
          f"{nbytes / best / 1e6:.1f} MB/s, {int(best / len(corpus) * 1e9)} ns/line (best of 5, process CPU time, all threads)")
short = "The quick brown fox jumps over the lazy dog."
best = float("inf")
for _ in range(5):
    t = time.process_time()
    for _ in range(20000):
        tok.encode(short)
    best = min(best, (time.process_time() - t) / 20000)
print(f"HF tokenizers {__version__} encode: short sentence: {int(best * 1e9)} ns (Python call included)")
