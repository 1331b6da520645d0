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
"$out/kernel_tests" | tee "$out/native.log"
EMBER_ISA=scalar "$out/kernel_tests" --quick --expect-isa scalar
# Each x86 path this CPU has must also be the one chosen when EMBER_ISA caps dispatch there.
for isa in avx2 avxvnni avx512vnni; do
  if sed -n 's/.*cpu features:\([^;]*\);.*/\1/p' "$out/native.log" | grep -qw "$isa"; then
    EMBER_ISA=$isa "$out/kernel_tests" --quick --expect-isa "$isa"
  fi
done
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
else
  echo "kernels: qemu-aarch64 or the AArch64 sysroot missing (tools/setup.sh installs them)" >&2
  exit 1
fi
echo "kernels: ok" >&2
