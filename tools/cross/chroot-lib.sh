# Mount helpers for the trixie build chroot (sourced).

# One user of a cross dir at a time: chroot_unmount takes down every mount, also those of a
# concurrent build (which then compiles whatever tree is bound at /src next). Held until the
# calling script exits; scripts that call each other share it (EMBER_CROSS_LOCKED).
chroot_lock() {
  local cross=$1
  [ -n "${EMBER_CROSS_LOCKED:-}" ] && return 0
  mkdir -p "$cross"
  exec 9>"$cross/.lock"
  flock -n 9 || { echo "cross: $cross is in use by another build; waiting" >&2; flock 9; }
  export EMBER_CROSS_LOCKED=1
}
chroot_mount() {
  local root=$1
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}
chroot_unmount() {
  local root=$1 m
  for m in "$root/src" "$root/sdks" "$root/opt/swift-packages" "$root/dev/pts" "$root/dev" "$root/proc"; do
    mountpoint -q "$m" && umount -l "$m" || true
  done
}
