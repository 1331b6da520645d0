#!/usr/bin/env bash
# End to end through the command line: `ember convert` every model listed in
# testdata/goldens/index.json, `ember run --raw-input` every stored input, and compare the output
# bytes with LiteRT's reference kernels' (BUILTIN_REF). If an AArch64 build of ember exists
# (EMBER_AARCH64_BIN, else .build-aarch64/release/ember from tools/cross/build.sh), the same
# .ember files (packed on x86: the packing is the same for every CPU) run under qemu-aarch64 as
# Cortex-A72, Cortex-A76 and "max".
set -euo pipefail
cd "$(dirname "$0")/../.."

ember=${EMBER_BIN:-.build/release/ember}
[ -x "$ember" ] || swift build -c release --product ember >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# model path, then "case input output" lines, from the index (python3 is part of Debian's base).
python3 - > "$out/cases.txt" <<'PY'
import json
index = json.load(open("testdata/goldens/index.json"))
for m in index["models"]:
    print("model", m["name"], m["model"])
    for c in m["cases"]:
        print("case", c["name"], c["input"], c["output"])
PY

run_all() {  # $1: label, $2: threads, rest: command prefix to run ember
  local label=$1 threads=$2; shift 2
  local passed=0 failed=0 model="" name path
  while read -r kind a b c; do
    if [ "$kind" = model ]; then
      model="$out/$a.ember"
      [ -f "$model" ] || "$ember" convert "$b" -o "$model" --preprocess imagenet >/dev/null
      continue
    fi
    if "$@" run "$model" --threads "$threads" --raw-input "$b" --raw-output "$out/result.bin" && cmp -s "$out/result.bin" "$c"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "MISMATCH ($label): $(basename "$model") $a" >&2
    fi
  done < "$out/cases.txt"
  echo "tflite goldens ($label): $passed passed, $failed failed" >&2
  [ "$failed" -eq 0 ]
}

status=0
path=$("$ember" cpu 2>/dev/null | sed -n 's/^path: *//p')
run_all "native ${path:-?}, 1 thread" 1 "$ember" || status=1
run_all "native ${path:-?}, 2 threads" 2 "$ember" || status=1
run_all "scalar reference kernels" 1 env EMBER_ISA=scalar "$ember" || status=1

aarch64=${EMBER_AARCH64_BIN:-.build-aarch64/release/ember}
# The AArch64 ember links libpng and libturbojpeg dynamically: qemu loads them from the trixie
# sysroot that tools/cross/make-sdk.sh built (the cross toolchain's /usr/aarch64-linux-gnu has
# only libc).
sysroot=${EMBER_CROSS_DIR:-$PWD/.build-cross}/sdks/ember-aarch64.artifactbundle/ember-aarch64/sysroot
if [ -x "$aarch64" ] && command -v qemu-aarch64 >/dev/null; then
  [ -d "$sysroot/usr/lib" ] || { echo "tflite goldens: no AArch64 sysroot at $sysroot" >&2; exit 1; }
  for cpu in cortex-a72 cortex-a76 max; do
    run_all "qemu-aarch64 $cpu" 1 qemu-aarch64 -L "$sysroot" -cpu "$cpu" "$aarch64" || status=1
  done
else
  echo "tflite goldens: no AArch64 ember ($aarch64); build it with tools/cross/build.sh to run them under qemu" >&2
fi
exit $status
