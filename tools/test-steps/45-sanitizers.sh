#!/usr/bin/env bash
# The C kernel tests under UndefinedBehaviorSanitizer; then the Swift test suite twice more, under
# AddressSanitizer (with LeakSanitizer) and under ThreadSanitizer, each a debug build of its own
# (.build-asan, .build-tsan). The daemon tests start emberd from the same build, so every emberd
# runs under the sanitizer too; each process writes its reports to a file of its own. Fails on
# any report from any process, and on a failing test.
#   EMBER_SANITIZERS="undefined address thread" (default) picks which.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
# Leaks of the test harness and Foundation only (the file says which); nothing of Ember's.
export LSAN_OPTIONS="suppressions=$PWD/tools/checks/lsan-suppressions.txt print_suppressions=0"

# The kernels' undefined behaviour (a shift of a negative value, a signed overflow, a misaligned
# access): natively with gcc's runtime (and AddressSanitizer), and for AArch64 in trap mode, which
# needs no runtime, under qemu as the three CPUs of 20-kernels.sh (a trap is SIGTRAP).
kernel_ubsan() {
  local out=.build/kernel-tests srcs=(Sources/CEmberKernels/*.c Tests/kernels/kernel_tests.c)
  local flags=(-std=gnu11 -ffp-contract=off -ISources/CEmberKernels/include -ISources/CEmberKernels "${srcs[@]}" -lm -lpthread)
  mkdir -p "$out"
  gcc -O1 -fsanitize=undefined,address -fno-sanitize-recover=undefined "${flags[@]}" -o "$out/kernel_tests-ubsan" &
  clang --target=aarch64-linux-gnu -fuse-ld=lld -static -O1 -fsanitize=undefined -fsanitize-trap=undefined \
    "${flags[@]}" -o "$out/kernel_tests-ubsan-aarch64"
  wait $!
  "$out/kernel_tests-ubsan" --quick
  EMBER_ISA=scalar "$out/kernel_tests-ubsan" --quick
  for cpu in cortex-a72 cortex-a76 max; do
    qemu-aarch64 -cpu "$cpu" "$out/kernel_tests-ubsan-aarch64" --quick
  done
}

for sanitizer in ${EMBER_SANITIZERS:-undefined address thread}; do
  case $sanitizer in
    undefined)
      echo "45-sanitizers: undefined (C kernels)" >&2
      ASAN_OPTIONS="log_path=$reports/undefined" kernel_ubsan
      if compgen -G "$reports/undefined.*" > /dev/null; then cat "$reports"/undefined.* >&2; exit 1; fi
      echo "45-sanitizers: no undefined behaviour in the kernel tests" >&2
      continue ;;
    address) scratch=.build-asan; export ASAN_OPTIONS="log_path=$reports/address detect_leaks=1" ;;
    thread) scratch=.build-tsan; export TSAN_OPTIONS="log_path=$reports/thread" ;;
    *) echo "45-sanitizers: unknown sanitizer '$sanitizer' (undefined, address, thread)" >&2; exit 2 ;;
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
