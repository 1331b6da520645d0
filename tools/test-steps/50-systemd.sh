#!/usr/bin/env bash
# The systemd unit: `systemd-analyze verify` passes and the offline security exposure is <= 2.0.
set -euo pipefail
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: skipping is not allowed" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bin=$(swift build -c release --show-bin-path)/emberd
[ -x "$bin" ] || { echo "systemd: $bin not built" >&2; exit 1; }
# verify checks that ExecStart exists: point a copy of the unit at the freshly built binary.
sed "s|/usr/bin/emberd|$bin|" systemd/emberd.service > "$tmp/emberd.service"
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/emberd.service"
out=$(systemd-analyze security --offline=true "$tmp/emberd.service")
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for emberd.service: \([0-9.]*\).*/\1/p')
echo "systemd: verify ok, exposure $level" >&2
awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }' || { printf '%s\n' "$out" >&2; echo "systemd: exposure $level > 2.0" >&2; exit 1; }
