// libpng for Swift. libpng reports errors by longjmp, which Swift cannot catch, so the whole
// decode runs here in C behind one setjmp and comes back as a status code plus a message.
// Shims are prefixed `cpng_`.
#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef enum cpng_status {
    CPNG_OK = 0,
    CPNG_NEED_BUFFER = 1,  ///< header read; `width`/`height` set, `out` missing or too small
    CPNG_NOT_PNG = -1,     ///< signature mismatch
    CPNG_TRUNCATED = -2,   ///< the data ended before the image did
    CPNG_UNSUPPORTED = -3, ///< valid PNG we refuse (too large)
    CPNG_CORRUPT = -4,     ///< libpng rejected the data (CRC, bad chunk, bad zlib stream, ...)
} cpng_status;

typedef struct cpng_source {
    const unsigned char *data;
    size_t size, offset;
    int truncated;
    char message[160];
} cpng_source;

static void cpng_read_callback(png_structp png, png_bytep out, size_t count) {
    cpng_source *src = (cpng_source *)png_get_io_ptr(png);
    if (count > src->size - src->offset) {
        src->truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, src->data + src->offset, count);
    src->offset += count;
}

static void cpng_error_callback(png_structp png, png_const_charp message) {
    cpng_source *src = (cpng_source *)png_get_error_ptr(png);
    snprintf(src->message, sizeof src->message, "%s", message);
    png_longjmp(png, 1);
}

// Warnings (e.g. bad ancillary chunks) are ignored, as image viewers and PIL do.
static void cpng_warning_callback(png_structp png, png_const_charp message) {
    (void)png; (void)message;
}

/// Decodes a PNG in memory to 8-bit RGB, rows packed (stride = 3 * width): palette and gray are
/// expanded, 16-bit samples keep their high byte, alpha is dropped (as PIL's convert("RGB")),
/// no gamma correction. Images over `max_pixels` are refused as unsupported.
/// Call once with out = NULL to learn the size (CPNG_NEED_BUFFER), then with a buffer.
static inline int cpng_decode_rgb8(const void *data, size_t size, uint64_t max_pixels,
                                   uint32_t *width, uint32_t *height,
                                   uint8_t *out, size_t out_capacity,
                                   char *message, size_t message_capacity) {
    cpng_source src;
    memset(&src, 0, sizeof src);
    src.data = (const unsigned char *)data;
    src.size = size;
    if (message_capacity) message[0] = 0;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        if (size >= 1 && size < 8 && png_sig_cmp((png_const_bytep)data, 0, size) == 0) {
            return CPNG_TRUNCATED;
        }
        return CPNG_NOT_PNG;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src,
                                             cpng_error_callback, cpng_warning_callback);
    if (!png) return CPNG_CORRUPT;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CPNG_CORRUPT;
    }
    volatile int status = CPNG_OK;
    if (setjmp(png_jmpbuf(png))) {
        status = src.truncated ? CPNG_TRUNCATED : CPNG_CORRUPT;
        goto done;
    }
    png_set_read_fn(png, &src, cpng_read_callback);
    png_set_user_limits(png, 1u << 20, 1u << 20);
    png_read_info(png, info);
    {
        png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
        int color = png_get_color_type(png, info);
        *width = w;
        *height = h;
        if ((uint64_t)w * h > max_pixels) {
            snprintf(src.message, sizeof src.message, "%ux%u pixels exceed the limit of %llu",
                     (unsigned)w, (unsigned)h, (unsigned long long)max_pixels);
            status = CPNG_UNSUPPORTED;
            goto done;
        }
        if (!out || out_capacity < (size_t)w * h * 3) {
            status = CPNG_NEED_BUFFER;
            goto done;
        }
        png_set_expand(png);            // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
        png_set_strip_16(png);          // keep the high byte
        png_set_strip_alpha(png);
        if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) {
            png_set_gray_to_rgb(png);
        }
        int passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
            png_get_rowbytes(png, info) != (size_t)w * 3) {
            snprintf(src.message, sizeof src.message, "cannot convert colour type %d to RGB8", color);
            status = CPNG_UNSUPPORTED;
            goto done;
        }
        for (int pass = 0; pass < passes; pass++) {
            for (png_uint_32 y = 0; y < h; y++) {
                png_read_row(png, out + (size_t)y * w * 3, NULL);
            }
        }
        png_read_end(png, NULL);
    }
done:
    if (message_capacity) snprintf(message, message_capacity, "%s", src.message);
    png_destroy_read_struct(&png, &info, NULL);
    return status;
}

#endif
