#!/usr/bin/env bash
# Bounded libFuzzer runs (60 s per target) of the .ember reader and of the other readers of outside
# input (tools/fuzz.sh): fails on any crash, sanitizer report, timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tools/fuzz.sh "${EMBER_FUZZ_SECONDS:-60}"
