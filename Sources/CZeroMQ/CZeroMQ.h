// libzmq for Swift. Shims are prefixed `czmq_shim_` and wrap what Swift cannot import directly.
#include <zmq.h>
#include <errno.h>

static inline int czmq_shim_errno(void) { return errno; }
