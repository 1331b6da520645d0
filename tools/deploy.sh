#!/usr/bin/env bash
# Deploys Ember to a board over ssh: copy the .deb, install it, reload systemd, enable and restart
# emberd, show its status.
#   tools/deploy.sh [--dry-run] [--deb FILE] [--config FILE] USER@HOST
# Without --deb, builds one with tools/package-deb.sh. --config installs your emberd.toml too.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dry=0 deb="" config="" target=""
while (($#)); do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --deb) deb=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    -*) echo "deploy: unknown option $1" >&2; exit 2 ;;
    *) target=$1; shift ;;
  esac
done
[ -n "$target" ] || { echo "deploy: which board? tools/deploy.sh USER@HOST" >&2; exit 2; }

run() {
  printf '+ %s\n' "$*" >&2
  ((dry)) || "$@"
}
if [ -z "$deb" ]; then
  if ((dry)); then deb="$repo/out/ember_VERSION_arm64.deb"; echo "+ tools/package-deb.sh" >&2
  else deb=$(tools/package-deb.sh | tail -n 1); fi
fi
name=$(basename "$deb")
run scp "$deb" "$target:/tmp/$name"
[ -n "$config" ] && run scp "$config" "$target:/tmp/emberd.toml"
remote="sudo apt-get install -y /tmp/$name"
[ -n "$config" ] && remote="$remote && sudo install -m 0644 /tmp/emberd.toml /etc/ember/emberd.toml && sudo emberd --check-config --config /etc/ember/emberd.toml"
remote="$remote && sudo systemctl daemon-reload && sudo systemctl enable emberd && sudo systemctl restart emberd && systemctl --no-pager status emberd"
run ssh "$target" "$remote"
