#!/usr/bin/env bash
# Fuzzes the .ember reader with libFuzzer + AddressSanitizer for a bounded time.
#   tools/fuzz.sh [SECONDS] [extra libFuzzer flags...]      (default 60 seconds)
# Seeds: valid sample models written by FuzzSeedCorpusTests. New inputs accumulate in
# .build-fuzz/corpus; a crashing input is saved as .build-fuzz/artifacts/crash-* and the script
# fails. Replay one without the sanitizer: swift run EmberFormatFuzz FILE.
# Details and the reasons for the flags: docs/model-format.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

seeds=.build-fuzz/seeds
corpus=.build-fuzz/corpus
artifacts=.build-fuzz/artifacts
mkdir -p "$seeds" "$corpus" "$artifacts"

echo "fuzz: writing seed corpus" >&2
swift build -c release --build-tests -Xswiftc -enable-testing >/dev/null
EMBER_FUZZ_SEED_DIR="$PWD/$seeds" swift test -c release -Xswiftc -enable-testing --skip-build \
  --filter FuzzSeedCorpusTests >/dev/null
ls "$seeds"/*.ember >/dev/null

echo "fuzz: building EmberFormatFuzz with -sanitize=fuzzer,address" >&2
# A separate build path keeps the sanitized objects away from the normal .build cache.
# lld: gold crashes (internal error in format_file_lineno) on the sanitizer runtime's symbols.
if ! swift build --build-path .build-fuzz --product EmberFormatFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DEMBER_LIBFUZZER \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >.build-fuzz/build.log 2>&1; then
  grep -v -e "Cannot export local symbol" .build-fuzz/build.log >&2
  echo "fuzz: build failed" >&2
  exit 1
fi
binary=.build-fuzz/debug/EmberFormatFuzz

echo "fuzz: running for ${seconds}s" >&2
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -dict=Fuzz/ember.dict -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus" "$seeds"
