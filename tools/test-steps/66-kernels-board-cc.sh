#!/usr/bin/env bash
# The C kernel tests once more, with the kernels compiled by the board's own compiler: Debian
# trixie's swiftlang 6.0.3 ships clang 17, which the cross build (tools/cross/build.sh, step 65)
# uses and which generates different code from the host's clang (rolled loops, spills). Runs after
# step 65 has made the cross SDK; under qemu as Cortex-A72 (NEON), Cortex-A76 (dot product) and
# "max" (i8mm).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${EMBER_KERNEL_TEST_DIR:-.build/kernel-tests}"
mkdir -p "$out"
inc=(-ISources/CEmberKernels/include -ISources/CEmberKernels)
export EMBER_TEST_SEED="${EMBER_TEST_SEED:-$(date +%s)}"
cross=${EMBER_CROSS_DIR:-.build-cross}
[ -x "$cross/trixie/usr/libexec/swift/bin/clang-17" ] && [ -d "$cross/sdks/ember-aarch64.artifactbundle" ] ||
  { echo "kernels (board compiler): no cross SDK in $cross (tools/cross/build.sh makes it)" >&2; exit 1; }
echo "kernels: AArch64 build, kernels by the board's clang 17 (tools/cross/board-cc.sh)" >&2
rm -rf "$out/board-obj" && mkdir -p "$out/board-obj"
for f in Sources/CEmberKernels/*.c; do
  EMBER_CROSS_DIR=$cross tools/cross/board-cc.sh -O2 -std=gnu11 -fno-strict-aliasing -ffp-contract=off -Wall -Wextra -Werror \
    "${inc[@]}" -c "$f" -o "$out/board-obj/$(basename "$f" .c).o"
done
clang --target=aarch64-linux-gnu -fuse-ld=lld -O2 -static -std=gnu11 -ffp-contract=off -Wall -Wextra -Werror \
  "${inc[@]}" "$out"/board-obj/*.o Tests/kernels/kernel_tests.c -lm -lpthread -o "$out/kernel_tests-aarch64-board"
qemu-aarch64 -cpu cortex-a72 "$out/kernel_tests-aarch64-board" --quick --expect-isa neon
qemu-aarch64 -cpu cortex-a76 "$out/kernel_tests-aarch64-board" --quick --expect-isa neondot
qemu-aarch64 -cpu max "$out/kernel_tests-aarch64-board" --quick --expect-isa i8mm
echo "kernels (board compiler): ok" >&2
