#!/usr/bin/env bash
# The whole test suite: set-up, Swift tests (release, so kernels run at speed), then every step in
# tools/test-steps (kernels under qemu, GPIO v2, fuzzing, sanitizers, systemd, the Python client,
# the AArch64 cross build, TFLite goldens, the tokenizer oracle, the encoder). Each step's wall
# time is printed after it, and all of them at the end, so a slower CI run shows where.
set -euo pipefail
cd "$(dirname "$0")/.."
times=()

# Runs "$@" as step $1's work and records how long it took.
timed() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name" >&2
  "$@"
  times+=("$(printf '%5ds  %s' $((SECONDS - start)) "$name")")
  echo "== $name: $((SECONDS - start)) s" >&2
}

timed tools/setup.sh tools/setup.sh
swift_tests() {
  swift build -c release --build-tests -Xswiftc -enable-testing
  swift test -c release -Xswiftc -enable-testing --skip-build --parallel
}
timed "swift test (release)" swift_tests

for step in tools/test-steps/*.sh; do
  [ -e "$step" ] || continue
  timed "$step" "$step"
done
echo "== all tests passed in $SECONDS s:" >&2
printf '%s\n' "${times[@]}" >&2
