#!/usr/bin/env bash
# C kernel tests: natively (every path this CPU has, then capped to scalar through EMBER_ISA),
# and cross-compiled for AArch64 under qemu-user as Cortex-A72 (must pick NEON, no dot product),
# Cortex-A76 (dot product) and "max" (i8mm). Seed: EMBER_TEST_SEED, else the time (printed).
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${EMBER_KERNEL_TEST_DIR:-.build/kernel-tests}"
mkdir -p "$out"
srcs=(Sources/CEmberKernels/*.c Tests/kernels/kernel_tests.c)
inc=(-ISources/CEmberKernels/include -ISources/CEmberKernels)
cc="${CC:-clang}"
seed="${EMBER_TEST_SEED:-$(date +%s)}"
export EMBER_TEST_SEED="$seed"

echo "kernels: native build ($cc)" >&2
"$cc" -O2 -std=gnu11 -ffp-contract=off -Wall -Wextra -Werror "${inc[@]}" "${srcs[@]}" -lm -lpthread -o "$out/kernel_tests"
"$out/kernel_tests"
EMBER_ISA=scalar "$out/kernel_tests" --quick --expect-isa scalar
if command -v gcc >/dev/null && [ "$cc" != gcc ]; then  # the target attributes must build with gcc too
  echo "kernels: native build (gcc)" >&2
  gcc -O2 -std=gnu11 -ffp-contract=off -Wall -Wextra -Werror "${inc[@]}" "${srcs[@]}" -lm -lpthread -o "$out/kernel_tests-gcc"
  "$out/kernel_tests-gcc" --quick
fi

if command -v qemu-aarch64 >/dev/null && [ -d /usr/aarch64-linux-gnu ]; then
  echo "kernels: AArch64 build (clang --target=aarch64-linux-gnu -static)" >&2
  clang --target=aarch64-linux-gnu -fuse-ld=lld -O2 -static -std=gnu11 -ffp-contract=off -Wall -Wextra -Werror \
    "${inc[@]}" "${srcs[@]}" -lm -lpthread -o "$out/kernel_tests-aarch64"
  qemu-aarch64 -cpu cortex-a72 "$out/kernel_tests-aarch64" --expect-isa neon
  qemu-aarch64 -cpu cortex-a76 "$out/kernel_tests-aarch64" --expect-isa neondot
  qemu-aarch64 -cpu max "$out/kernel_tests-aarch64" --expect-isa i8mm
  EMBER_ISA=neon qemu-aarch64 -cpu max "$out/kernel_tests-aarch64" --quick --expect-isa neon
  # The board's compiler (clang 17, what the cross build uses) generates different code; when
  # the cross SDK is there, test the kernels as it compiles them too.
  cross=${EMBER_CROSS_DIR:-.build-cross}
  if [ -x "$cross/trixie/usr/libexec/swift/bin/clang-17" ] && [ -d "$cross/sdks/ember-aarch64.artifactbundle" ]; then
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
  fi
else
  echo "kernels: qemu-aarch64 or the AArch64 sysroot missing (tools/setup.sh installs them)" >&2
  exit 1
fi
echo "kernels: ok" >&2
