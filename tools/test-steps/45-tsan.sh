#!/usr/bin/env bash
# The Swift test suite again under ThreadSanitizer (debug build in .build-tsan): the scheduler, the
# I/O thread's mailbox, the governor, GPIO triggers, the kernels' thread pool and every emberd the
# daemon tests start (built with the same sanitizer next to the test bundle). Fails on any report,
# from the test process or from an emberd, as well as on a failing test.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
# Each process writes its reports to $reports/tsan.PID, so an emberd's reach this script too.
TSAN_OPTIONS="log_path=$reports/tsan" swift test --scratch-path .build-tsan --sanitize=thread --skip-build --parallel
if compgen -G "$reports/tsan.*" > /dev/null; then
  cat "$reports"/tsan.* >&2
  echo "45-tsan: ThreadSanitizer reported the above" >&2
  exit 1
fi
echo "45-tsan: no ThreadSanitizer report" >&2
