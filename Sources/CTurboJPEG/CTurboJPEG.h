// libturbojpeg (TurboJPEG 2.x API, also provided by 3.x) for Swift. Shims are prefixed `ctj_`.
#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H

#include <turbojpeg.h>

/// Flags for decoding like PIL: accurate integer IDCT and fancy upsampling are TurboJPEG's
/// defaults; warnings (such as a premature end of data) stop the decode instead of leaving
/// grey rows behind.
static inline int ctj_decode_flags(void) { return TJFLAG_STOPONWARNING; }
static inline int ctj_pixel_format_rgb(void) { return TJPF_RGB; }
static inline int ctj_colorspace_cmyk(void) { return TJCS_CMYK; }
static inline int ctj_colorspace_ycck(void) { return TJCS_YCCK; }
static inline int ctj_error_is_warning(tjhandle handle) { return tjGetErrorCode(handle) == TJERR_WARNING; }

#endif
