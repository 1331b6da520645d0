// One C API over libgpiod v1 (1.6, bookworm) and v2 (2.x, trixie). Which one is compiled is
// decided by the gpiod.h found at build time (see cgpiod_version.h); Swift only sees this header.
// Errors: functions return NULL or -1 and leave errno set (EACCES, EBUSY, ENOENT, EINVAL, ...).
#ifndef CGPIOD_H
#define CGPIOD_H
#include <stddef.h>
#include <stdint.h>

typedef struct cgpiod_chip cgpiod_chip;
typedef struct cgpiod_request cgpiod_request;

typedef enum { CGPIOD_EDGE_RISING = 1, CGPIOD_EDGE_FALLING = 2, CGPIOD_EDGE_BOTH = 3 } cgpiod_edge_kind;
typedef enum {
    CGPIOD_BIAS_AS_IS = 0, CGPIOD_BIAS_DISABLED = 1, CGPIOD_BIAS_PULL_UP = 2, CGPIOD_BIAS_PULL_DOWN = 3
} cgpiod_bias;

typedef struct {
    uint64_t timestamp_ns;  // the kernel's timestamp (CLOCK_MONOTONIC on current kernels)
    uint32_t offset;
    int32_t rising;         // 1 rising, 0 falling
} cgpiod_edge;

typedef struct {
    char name[64];          // "" when the line has no name
    char consumer[64];      // "" when unused
    int32_t used;
} cgpiod_line_info;

/// 1 or 2: the libgpiod API this build was compiled against.
int cgpiod_api_major(void);
/// The runtime library's version string (e.g. "1.6.3", "2.1.3").
const char *cgpiod_library_version(void);

/// Opens a chip device by path for inspection (label, line count, names).
cgpiod_chip *cgpiod_chip_open(const char *path);
void cgpiod_chip_close(cgpiod_chip *chip);
/// Copies the chip's label into buf (truncated, NUL-terminated). Returns 0 or -1.
int cgpiod_chip_label(cgpiod_chip *chip, char *buf, size_t len);
int cgpiod_chip_num_lines(cgpiod_chip *chip);
/// Offset of the line named `name`, or -1 with errno ENOENT.
int cgpiod_chip_find_line(cgpiod_chip *chip, const char *name);
int cgpiod_chip_line_info(cgpiod_chip *chip, uint32_t offset, cgpiod_line_info *out);

/// Requests one line for edge events. Opens its own handle on the chip at `chip_path`.
cgpiod_request *cgpiod_request_input(const char *chip_path, uint32_t offset, int edge, int bias,
                                     int active_low, const char *consumer);
/// Requests one line as an output driven to `initial_value` (logical, after active-low).
cgpiod_request *cgpiod_request_output(const char *chip_path, uint32_t offset, int active_low,
                                      int initial_value, const char *consumer);
/// A file descriptor that becomes readable (POLLIN) when edge events are pending.
int cgpiod_request_fd(cgpiod_request *request);
/// Reads up to `max` pending edges (blocks if none: poll the fd first). Returns the count or -1.
int cgpiod_request_read_edges(cgpiod_request *request, cgpiod_edge *out, int max);
/// Sets an output line's logical value (0 or 1). Returns 0 or -1.
int cgpiod_request_set_value(cgpiod_request *request, int value);
/// Reads the line's logical value: 0, 1 or -1.
int cgpiod_request_get_value(cgpiod_request *request);
void cgpiod_request_release(cgpiod_request *request);


/// An eventfd (close-on-exec, non-blocking) used to wake a thread blocked in poll.
int cgpiod_wake_fd(void);
/// pipe2(fds, O_CLOEXEC): pipes for child processes without leaking into other children.
int cgpiod_pipe_cloexec(int fds[2]);
/// Names the calling thread (truncated to Linux's 15 bytes) for top/gdb.
void cgpiod_name_this_thread(const char *name);

#endif
