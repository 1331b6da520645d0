#!/usr/bin/env bash
# Installs what Ember's build and tests need on Debian (bookworm or trixie). Idempotent: when
# everything is present it only checks and returns in about a second.
set -euo pipefail

packages=(
  pkg-config
  libzmq3-dev          # ZeroMQ (EmberTransport)
  libgpiod-dev         # GPIO triggers (EmberGPIO)
  libpng-dev           # PNG decoding (EmberEngine preprocessing)
  libturbojpeg0-dev    # JPEG decoding
  python3-zmq          # the Python client's tests (clients/python)
  qemu-user            # AArch64 kernel tests under emulation
  libc6-dev-arm64-cross libgcc-12-dev-arm64-cross   # AArch64 cross sysroot for the C kernels
  debootstrap          # the Debian trixie chroot that cross-builds with swiftlang 6.0.3 (tools/cross)
  binutils             # readelf, for the .deb dependencies
  python3-venv         # the tokenizer oracle check's venv (tools/test-steps/75-tokenizer-oracle.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q >/dev/null
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift not found on PATH (install swiftlang 6.0.3+ or a swift.org toolchain)" >&2; exit 1; }
echo "setup: ok" >&2
