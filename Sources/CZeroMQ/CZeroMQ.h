// libzmq for Swift. Shims are prefixed `czmq_shim_` and wrap what Swift cannot use directly:
// errno, and zmq_msg_t, whose alignment attribute and by-value lifetime rules make it awkward to
// hold in Swift. A czmq_shim_frame is a heap-allocated zmq_msg_t that Swift owns by pointer.
#ifndef CZEROMQ_SHIM_H
#define CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline int czmq_shim_errno(void) { return errno; }

typedef struct czmq_shim_frame { zmq_msg_t msg; } czmq_shim_frame;

/// A new empty frame, or NULL when out of memory. Release with czmq_shim_frame_free.
static inline czmq_shim_frame *czmq_shim_frame_new(void) {
    czmq_shim_frame *frame = (czmq_shim_frame *)malloc(sizeof(czmq_shim_frame));
    if (frame == NULL) return NULL;
    zmq_msg_init(&frame->msg);
    return frame;
}

static inline void czmq_shim_frame_free(czmq_shim_frame *frame) {
    if (frame == NULL) return;
    zmq_msg_close(&frame->msg);
    free(frame);
}

/// Receives one frame into `frame` (its previous content is released). Returns the byte count
/// or -1 with errno set.
static inline int czmq_shim_frame_recv(czmq_shim_frame *frame, void *socket, int flags) {
    return zmq_msg_recv(&frame->msg, socket, flags);
}

static inline const void *czmq_shim_frame_data(czmq_shim_frame *frame) { return zmq_msg_data(&frame->msg); }
static inline size_t czmq_shim_frame_size(czmq_shim_frame *frame) { return zmq_msg_size(&frame->msg); }
static inline int czmq_shim_frame_more(czmq_shim_frame *frame) { return zmq_msg_more(&frame->msg); }

#endif
