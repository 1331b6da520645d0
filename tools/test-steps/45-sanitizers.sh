#!/usr/bin/env bash
# The Swift test suite twice more, under AddressSanitizer (with LeakSanitizer) and under
# ThreadSanitizer, each a debug build of its own (.build-asan, .build-tsan). The daemon tests start
# emberd from the same build, so every emberd runs under the sanitizer too; each process writes
# its reports to a file of its own. Fails on any report from any process, and on a failing test.
#   EMBER_SANITIZERS="address thread" (default) picks which.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
# Leaks of the test harness and Foundation only (the file says which); nothing of Ember's.
export LSAN_OPTIONS="suppressions=$PWD/tools/checks/lsan-suppressions.txt print_suppressions=0"

for sanitizer in ${EMBER_SANITIZERS:-address thread}; do
  case $sanitizer in
    address) scratch=.build-asan; export ASAN_OPTIONS="log_path=$reports/address detect_leaks=1" ;;
    thread) scratch=.build-tsan; export TSAN_OPTIONS="log_path=$reports/thread" ;;
    *) echo "45-sanitizers: unknown sanitizer '$sanitizer' (address, thread)" >&2; exit 2 ;;
  esac
  echo "45-sanitizers: $sanitizer" >&2
  swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
  status=0
  swift test --scratch-path "$scratch" --sanitize="$sanitizer" --skip-build --parallel || status=$?
  if compgen -G "$reports/$sanitizer.*" > /dev/null; then
    cat "$reports/$sanitizer".* >&2
    echo "45-sanitizers: the $sanitizer sanitizer reported the above" >&2
    exit 1
  fi
  [ "$status" = 0 ] || { echo "45-sanitizers: swift test failed under the $sanitizer sanitizer" >&2; exit 1; }
  echo "45-sanitizers: no $sanitizer sanitizer report" >&2
done
