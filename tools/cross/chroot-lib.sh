# Mount helpers for the trixie build chroot (sourced).
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
