// libgpiod 2.x (v2 API). Requests are independent of the chip handle that made them.
#include "cgpiod.h"
#include "cgpiod_internal.h"
#if CGPIOD_V2
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { EDGE_BUFFER_CAPACITY = 16 };

struct cgpiod_request {
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *buffer;  // NULL for outputs
    unsigned int offset;
};

int cgpiod_chip_label(cgpiod_chip *chip, char *buf, size_t len) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip->chip);
    if (!info) return -1;
    cgpiod_copy_string(buf, len, gpiod_chip_info_get_label(info));
    gpiod_chip_info_free(info);
    return 0;
}

int cgpiod_chip_num_lines(cgpiod_chip *chip) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip->chip);
    if (!info) return -1;
    int n = (int)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    return n;
}

int cgpiod_chip_find_line(cgpiod_chip *chip, const char *name) {
    int offset = gpiod_chip_get_line_offset_from_name(chip->chip, name);
    if (offset < 0 && errno == 0) errno = ENOENT;
    return offset;
}

int cgpiod_chip_line_info(cgpiod_chip *chip, uint32_t offset, cgpiod_line_info *out) {
    struct gpiod_line_info *info = gpiod_chip_get_line_info(chip->chip, offset);
    if (!info) return -1;
    cgpiod_copy_string(out->name, sizeof out->name, gpiod_line_info_get_name(info));
    cgpiod_copy_string(out->consumer, sizeof out->consumer, gpiod_line_info_get_consumer(info));
    out->used = gpiod_line_info_is_used(info) ? 1 : 0;
    gpiod_line_info_free(info);
    return 0;
}

// Builds settings → line config → request config → request; frees everything but the request.
static struct gpiod_line_request *request_one(const char *chip_path, unsigned int offset,
                                              struct gpiod_line_settings *settings, const char *consumer) {
    struct gpiod_line_request *request = NULL;
    struct gpiod_line_config *line_config = NULL;
    struct gpiod_request_config *request_config = NULL;
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    int saved = 0;
    if (!chip) return NULL;
    line_config = gpiod_line_config_new();
    request_config = gpiod_request_config_new();
    if (!line_config || !request_config) { saved = ENOMEM; goto done; }
    if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) != 0) { saved = errno; goto done; }
    gpiod_request_config_set_consumer(request_config, consumer);
    request = gpiod_chip_request_lines(chip, request_config, line_config);
    if (!request) saved = errno;
done:
    gpiod_request_config_free(request_config);
    gpiod_line_config_free(line_config);
    gpiod_chip_close(chip);
    if (!request) errno = saved ? saved : EIO;
    return request;
}

static int v2_bias(int bias) {
    switch (bias) {
    case CGPIOD_BIAS_DISABLED: return GPIOD_LINE_BIAS_DISABLED;
    case CGPIOD_BIAS_PULL_UP: return GPIOD_LINE_BIAS_PULL_UP;
    case CGPIOD_BIAS_PULL_DOWN: return GPIOD_LINE_BIAS_PULL_DOWN;
    default: return GPIOD_LINE_BIAS_AS_IS;
    }
}

cgpiod_request *cgpiod_request_input(const char *chip_path, uint32_t offset, int edge, int bias,
                                     int active_low, const char *consumer) {
    int v2_edge;
    switch (edge) {
    case CGPIOD_EDGE_RISING: v2_edge = GPIOD_LINE_EDGE_RISING; break;
    case CGPIOD_EDGE_FALLING: v2_edge = GPIOD_LINE_EDGE_FALLING; break;
    case CGPIOD_EDGE_BOTH: v2_edge = GPIOD_LINE_EDGE_BOTH; break;
    default: errno = EINVAL; return NULL;
    }
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    if (!settings) { errno = ENOMEM; return NULL; }
    int bad = gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT)
            | gpiod_line_settings_set_edge_detection(settings, v2_edge)
            | gpiod_line_settings_set_bias(settings, v2_bias(bias))
            | gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
    gpiod_line_settings_set_active_low(settings, active_low != 0);
    if (bad) { gpiod_line_settings_free(settings); errno = EINVAL; return NULL; }
    struct gpiod_line_request *raw = request_one(chip_path, offset, settings, consumer);
    gpiod_line_settings_free(settings);
    if (!raw) return NULL;
    cgpiod_request *request = malloc(sizeof *request);
    struct gpiod_edge_event_buffer *buffer = gpiod_edge_event_buffer_new(EDGE_BUFFER_CAPACITY);
    if (!request || !buffer) {
        free(request); gpiod_edge_event_buffer_free(buffer); gpiod_line_request_release(raw);
        errno = ENOMEM; return NULL;
    }
    request->request = raw;
    request->buffer = buffer;
    request->offset = offset;
    return request;
}

cgpiod_request *cgpiod_request_output(const char *chip_path, uint32_t offset, int active_low,
                                      int initial_value, const char *consumer) {
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    if (!settings) { errno = ENOMEM; return NULL; }
    int bad = gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT)
            | gpiod_line_settings_set_output_value(settings, initial_value ? GPIOD_LINE_VALUE_ACTIVE
                                                                           : GPIOD_LINE_VALUE_INACTIVE);
    gpiod_line_settings_set_active_low(settings, active_low != 0);
    if (bad) { gpiod_line_settings_free(settings); errno = EINVAL; return NULL; }
    struct gpiod_line_request *raw = request_one(chip_path, offset, settings, consumer);
    gpiod_line_settings_free(settings);
    if (!raw) return NULL;
    cgpiod_request *request = malloc(sizeof *request);
    if (!request) { gpiod_line_request_release(raw); errno = ENOMEM; return NULL; }
    request->request = raw;
    request->buffer = NULL;
    request->offset = offset;
    return request;
}

int cgpiod_request_fd(cgpiod_request *request) { return gpiod_line_request_get_fd(request->request); }

int cgpiod_request_read_edges(cgpiod_request *request, cgpiod_edge *out, int max) {
    if (!request->buffer) { errno = EINVAL; return -1; }
    if (max > EDGE_BUFFER_CAPACITY) max = EDGE_BUFFER_CAPACITY;
    int n = gpiod_line_request_read_edge_events(request->request, request->buffer, (size_t)max);
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(request->buffer, (unsigned long)i);
        out[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
        out[i].offset = gpiod_edge_event_get_line_offset(event);
        out[i].rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
    }
    return n;
}

int cgpiod_request_set_value(cgpiod_request *request, int value) {
    return gpiod_line_request_set_value(request->request, request->offset,
                                        value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

int cgpiod_request_get_value(cgpiod_request *request) {
    int v = gpiod_line_request_get_value(request->request, request->offset);
    return v == GPIOD_LINE_VALUE_ERROR ? -1 : v;
}

void cgpiod_request_release(cgpiod_request *request) {
    if (!request) return;
    gpiod_edge_event_buffer_free(request->buffer);
    gpiod_line_request_release(request->request);
    free(request);
}
#endif
