#!/usr/bin/env bash
# Bounded libFuzzer run of the .ember reader (60 s): fails on any crash, sanitizer report,
# timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tools/fuzz.sh "${EMBER_FUZZ_SECONDS:-60}"
