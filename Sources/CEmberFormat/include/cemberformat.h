// The .ember container's one piece of C: a SIGBUS guard for mapped model files.
//
// A model is served straight from a shared read-only mapping (zero-copy weights). If another
// process truncates the file meanwhile (`cp new.ember model.ember` rewrites in place), touching a
// page past the new end raises SIGBUS, which would kill the daemon. Guarded mappings instead get
// zero pages mapped over the lost part, the faulting read sees zeros, and the fault is counted,
// so the model can report that its file changed and the caller can discard the result.
#ifndef CEMBERFORMAT_H
#define CEMBERFORMAT_H
#include <stddef.h>

/// Guards [base, base + length) (a mapping of a file) and installs the SIGBUS handler on first
/// use. Returns a slot id >= 0, or -1 when every slot is taken or the handler can't be installed
/// (the mapping then works as before, unguarded).
int cemberformat_guard_add(const void *base, size_t length);

/// SIGBUS faults absorbed in slot `id` since it was added.
unsigned cemberformat_guard_faults(int id);

/// Stops guarding slot `id`; call before unmapping it.
void cemberformat_guard_remove(int id);

#endif
