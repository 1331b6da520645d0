// libgpiod 1.6 (v1 API). A request owns its own chip handle because v1 lines live in their chip.
#include "cgpiod.h"
#include "cgpiod_internal.h"
#if CGPIOD_V1
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cgpiod_request { struct gpiod_chip *chip; struct gpiod_line *line; };

int cgpiod_chip_label(cgpiod_chip *chip, char *buf, size_t len) {
    cgpiod_copy_string(buf, len, gpiod_chip_label(chip->chip));
    return 0;
}

int cgpiod_chip_num_lines(cgpiod_chip *chip) { return (int)gpiod_chip_num_lines(chip->chip); }

int cgpiod_chip_find_line(cgpiod_chip *chip, const char *name) {
    // gpiod_chip_find_line is a linear scan over line names too; doing it here avoids its
    // v1.6 quirk of returning NULL with errno 0 for "not found" on some builds.
    unsigned n = gpiod_chip_num_lines(chip->chip);
    for (unsigned i = 0; i < n; i++) {
        struct gpiod_line *line = gpiod_chip_get_line(chip->chip, i);
        if (!line) return -1;
        const char *ln = gpiod_line_name(line);
        if (ln && strcmp(ln, name) == 0) return (int)i;
    }
    errno = ENOENT;
    return -1;
}

int cgpiod_chip_line_info(cgpiod_chip *chip, uint32_t offset, cgpiod_line_info *out) {
    struct gpiod_line *line = gpiod_chip_get_line(chip->chip, offset);
    if (!line) return -1;
    cgpiod_copy_string(out->name, sizeof out->name, gpiod_line_name(line));
    cgpiod_copy_string(out->consumer, sizeof out->consumer, gpiod_line_consumer(line));
    out->used = gpiod_line_is_used(line) ? 1 : 0;
    return 0;
}

static int bias_flags(int bias) {
    switch (bias) {
    case CGPIOD_BIAS_DISABLED: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    case CGPIOD_BIAS_PULL_UP: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case CGPIOD_BIAS_PULL_DOWN: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    default: return 0;
    }
}

static cgpiod_request *request_line(const char *chip_path, uint32_t offset, int type, int flags,
                                    int value, const char *consumer) {
    struct gpiod_chip *raw = gpiod_chip_open(chip_path);
    if (!raw) return NULL;
    struct gpiod_line *line = gpiod_chip_get_line(raw, offset);
    if (!line) { int e = errno; gpiod_chip_close(raw); errno = e; return NULL; }
    struct gpiod_line_request_config config = { .consumer = consumer, .request_type = type, .flags = flags };
    if (gpiod_line_request(line, &config, value) != 0) {
        int e = errno; gpiod_chip_close(raw); errno = e; return NULL;
    }
    cgpiod_request *request = malloc(sizeof *request);
    if (!request) { gpiod_line_release(line); gpiod_chip_close(raw); errno = ENOMEM; return NULL; }
    request->chip = raw;
    request->line = line;
    return request;
}

cgpiod_request *cgpiod_request_input(const char *chip_path, uint32_t offset, int edge, int bias,
                                     int active_low, const char *consumer) {
    int type;
    switch (edge) {
    case CGPIOD_EDGE_RISING: type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
    case CGPIOD_EDGE_FALLING: type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
    case CGPIOD_EDGE_BOTH: type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
    default: errno = EINVAL; return NULL;
    }
    int flags = bias_flags(bias) | (active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
    return request_line(chip_path, offset, type, flags, 0, consumer);
}

cgpiod_request *cgpiod_request_output(const char *chip_path, uint32_t offset, int active_low,
                                      int initial_value, const char *consumer) {
    int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    return request_line(chip_path, offset, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, flags,
                        initial_value ? 1 : 0, consumer);
}

int cgpiod_request_fd(cgpiod_request *request) { return gpiod_line_event_get_fd(request->line); }

int cgpiod_request_read_edges(cgpiod_request *request, cgpiod_edge *out, int max) {
    enum { BATCH = 16 };
    struct gpiod_line_event events[BATCH];
    if (max > BATCH) max = BATCH;
    int n = gpiod_line_event_read_multiple(request->line, events, (unsigned)max);
    if (n < 0) return -1;
    unsigned offset = gpiod_line_offset(request->line);
    for (int i = 0; i < n; i++) {
        out[i].timestamp_ns = (uint64_t)events[i].ts.tv_sec * 1000000000u + (uint64_t)events[i].ts.tv_nsec;
        out[i].offset = offset;
        out[i].rising = events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    }
    return n;
}

int cgpiod_request_set_value(cgpiod_request *request, int value) {
    return gpiod_line_set_value(request->line, value ? 1 : 0);
}

int cgpiod_request_get_value(cgpiod_request *request) { return gpiod_line_get_value(request->line); }

void cgpiod_request_release(cgpiod_request *request) {
    if (!request) return;
    gpiod_line_release(request->line);
    gpiod_chip_close(request->chip);
    free(request);
}
#endif
