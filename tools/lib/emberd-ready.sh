# Sourced helper: start an emberd command and wait until it sends READY=1 on NOTIFY_SOCKET
# (after its models are mapped and warmed up). Sets EMBERD_PID. Usage:
#   start_emberd_ready WORKDIR TIMEOUT_S -- COMMAND...
start_emberd_ready() {
  local work=$1 timeout=$2; shift 3
  local notify=$work/notify-$$.sock
  rm -f "$notify"
  python3 - "$notify" "$timeout" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(float(sys.argv[2]))
while b"READY=1" not in s.recv(4096): pass
PY
  local waiter=$!
  while [ ! -S "$notify" ]; do sleep 0.05; done
  NOTIFY_SOCKET=$notify "$@" &
  EMBERD_PID=$!
  if ! wait $waiter; then
    echo "emberd did not become ready within ${timeout}s: $*" >&2
    kill -TERM $EMBERD_PID 2>/dev/null || true
    return 1
  fi
  rm -f "$notify"
}
