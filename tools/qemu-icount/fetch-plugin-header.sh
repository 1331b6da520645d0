#!/usr/bin/env bash
# Fetches include/qemu/qemu-plugin.h matching the installed qemu-user from Debian's qemu source
# package (no Debian binary package ships it). Uses a private apt configuration in the cache
# folder, so the system's apt sources stay untouched. Output: $OUT/qemu-plugin.h
set -euo pipefail
OUT="${1:-$(cd "$(dirname "$0")/../.." && pwd)/.build/qemu-icount}"
mkdir -p "$OUT"
[ -s "$OUT/qemu-plugin.h" ] && { echo "$OUT/qemu-plugin.h"; exit 0; }

work="$OUT/apt"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/src"
suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
cat > "$work/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security $suite-security main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite-updates main
SRC
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-"
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives" -o "Debug::NoLocking=1")
apt-get "${opts[@]}" update -q >/dev/null
version="$(dpkg-query -W -f='${source:Version}' qemu-user)"
(cd "$work/src" && apt-get "${opts[@]}" source --download-only -q "qemu=$version" >/dev/null 2>&1 \
   || apt-get "${opts[@]}" source --download-only -q qemu >/dev/null)
tarball="$(ls "$work/src"/qemu_*.orig.tar.* | head -1)"
tar -xf "$tarball" -C "$work/src" --wildcards '*/include/qemu/qemu-plugin.h'
cp "$(find "$work/src" -path '*/include/qemu/qemu-plugin.h' | head -1)" "$OUT/qemu-plugin.h"
rm -rf "$work"
echo "$OUT/qemu-plugin.h"
