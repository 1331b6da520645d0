#!/usr/bin/env bash
# Tokenizer benchmark on this machine: EmberTokenizer (swiftc -O, one thread) encoding
# testdata/tokenizer/corpus.txt, then Hugging Face tokenizers on the same corpus when
# tools/models/tokenizer-venv.sh has made its venv.
#   tools/bench-tokenizer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/bench
swiftc -O -wmo -module-name EmberTokenizerBench Sources/EmberTokenizer/*.swift \
  tools/bench-tokenizer/main.swift -o .build/bench/bench_tokenizer 2>&1 | grep -v "^$" || true
.build/bench/bench_tokenizer .
if [ -x .build-tokenizer-venv/bin/python ]; then
    RAYON_NUM_THREADS=1 .build-tokenizer-venv/bin/python tools/bench-tokenizer/bench_hf.py .
fi
