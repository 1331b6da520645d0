#!/usr/bin/env bash
# Fuzzes Ember's readers of outside input with libFuzzer + AddressSanitizer, each for a bounded time:
#   EmberFormatFuzz  the .ember reader
#   EmberInputFuzz   ZeroMQ request frames, the TOML configuration, TFLite files to convert,
#                    safetensors files, text to tokenize, PNG/JPEG images
#   tools/fuzz.sh [SECONDS] [extra libFuzzer flags...]      (default 60 seconds per target)
# EMBER_FUZZ_TARGETS picks the targets (default "EmberFormatFuzz EmberInputFuzz").
# Seeds: valid sample models written by FuzzSeedCorpusTests, and tools/fuzz-input-seeds.py's
# inputs. New inputs accumulate in .build-fuzz/corpus-TARGET; a crashing input is saved as
# .build-fuzz/artifacts/crash-* and the script fails. Replay one without the sanitizer:
# swift run TARGET FILE. Details and the reasons for the flags: docs/model-format.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=${EMBER_FUZZ_TARGETS:-EmberFormatFuzz EmberInputFuzz}
artifacts=.build-fuzz/artifacts
mkdir -p "$artifacts"

echo "fuzz: writing seed corpora" >&2
swift build -c release --build-tests -Xswiftc -enable-testing >/dev/null
mkdir -p .build-fuzz/seeds-EmberFormatFuzz
EMBER_FUZZ_SEED_DIR="$PWD/.build-fuzz/seeds-EmberFormatFuzz" swift test -c release -Xswiftc -enable-testing --skip-build \
  --filter FuzzSeedCorpusTests >/dev/null
ls .build-fuzz/seeds-EmberFormatFuzz/*.ember >/dev/null
python3 tools/fuzz-input-seeds.py .build-fuzz/seeds-EmberInputFuzz

for target in $targets; do
  echo "fuzz: building $target with -sanitize=fuzzer,address" >&2
  # A separate build path keeps the sanitized objects away from the normal .build cache.
  # Release: 5x the inputs per second of a debug build for EmberInputFuzz (Swift's bounds and
  # overflow checks stay in -O; there is no assert() to lose).
  # lld: gold crashes (internal error in format_file_lineno) on the sanitizer runtime's symbols.
  if ! swift build -c release --build-path .build-fuzz --product "$target" \
      -Xswiftc -sanitize=fuzzer,address -Xswiftc -DEMBER_LIBFUZZER \
      -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >.build-fuzz/build.log 2>&1; then
    grep -v -e "Cannot export local symbol" .build-fuzz/build.log >&2
    echo "fuzz: build of $target failed" >&2
    exit 1
  fi
  dict=()
  [ "$target" = EmberFormatFuzz ] && dict=(-dict=Fuzz/ember.dict)
  corpus=.build-fuzz/corpus-$target
  mkdir -p "$corpus"
  echo "fuzz: running $target for ${seconds}s" >&2
  .build-fuzz/release/"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    "${dict[@]}" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus" .build-fuzz/seeds-"$target"
done
