#!/usr/bin/env bash
# The whole test suite: set-up, Swift tests (release, so kernels run at speed), the kernel
# tests for AArch64 under qemu, and a bounded fuzz run of the model reader.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

echo "== swift test (release)" >&2
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --skip-build --parallel

for step in tools/test-steps/*.sh; do
  [ -e "$step" ] || continue
  echo "== $step" >&2
  "$step"
done
echo "== all tests passed" >&2
