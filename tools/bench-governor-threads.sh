#!/bin/sh
# Wall and CPU time per MobileNetV2 inference in emberd, side by side in one run:
#   A  threads_per_inference = 1 (no pool)
#   B  threads_per_inference = 2, the governor sheds to 1 thread (fake sysfs at 79 °C)
#   C  threads_per_inference = 2, governor off (both threads every time)
# B's CPU time next to A's shows what a shed pool thread costs (docs/governor.md).
# Usage: tools/bench-governor-threads.sh [BUILD_DIR (default .build/debug)] [INFERENCES (default 40)]
set -eu
cd "$(dirname "$0")/.."
build=${1:-.build/debug}
n=${2:-40}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$build/ember" convert models/mobilenetv2/mobilenetv2_imagenet_int8.tflite -o "$work/m.ember" \
    --labels models/mobilenetv2/labels.json --preprocess imagenet >/dev/null
zone="$work/sys/class/thermal/thermal_zone0"
mkdir -p "$zone"
echo cpu-thermal > "$zone/type"
images=
i=0
while [ $i -lt "$n" ]; do images="$images testdata/chelsea.png"; i=$((i + 1)); done
ticks=$(getconf CLK_TCK)

run() {  # label, threads_per_inference, governor, millidegrees
    echo "$4" > "$zone/temp"
    cat > "$work/emberd.toml" <<TOML
endpoint = "ipc://$work/e.sock"
pub_endpoint = ""
board = "pi-4b-1500"
sysfs_root = "$work"
governor = $3
governor_tick_ms = 50
workers = 1
threads_per_inference = $2
[[model]]
name = "m"
path = "$work/m.ember"
TOML
    "$build/emberd" --config "$work/emberd.toml" 2>"$work/log" &
    pid=$!
    tries=0
    until grep -q "ready:" "$work/log" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
        tries=$((tries + 1))
        [ "$tries" -lt 600 ] || { echo "emberd not ready after 60 s" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.3  # a few governor ticks on the fake temperature
    "$build/ember" infer --model m --endpoint "ipc://$work/e.sock" testdata/chelsea.png >/dev/null  # untimed
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    "$build/ember" infer --model m --endpoint "ipc://$work/e.sock" --top-k 1 $images >/dev/null
    t1=$(date +%s%N)
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    awk -v l="$1" -v w=$((t1 - t0)) -v c=$((cpu1 - cpu0)) -v n="$n" -v hz="$ticks" \
        'BEGIN { printf "| %s | %.1f | %.1f |\n", l, w / n / 1e6, c * 1000 / hz / n }'
}

echo "| emberd | wall ms / inference | CPU ms / inference |"
echo "|---|---|---|"
run "A: threads_per_inference 1" 1 true 50000
run "B: pool of 2, governor shed to 1 (79 °C)" 2 true 79000
run "C: pool of 2, governor off" 2 false 50000
