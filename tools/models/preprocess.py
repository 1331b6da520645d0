"""The photo preprocessing of Ember's image models, defined exactly so the engine can reproduce it
bit for bit (the goldens store its output bytes).

Steps, for a model input of `crop` x `crop` pixels (224 for the bundled MobileNetV2):

1. Decode to 8-bit RGB (PNG/JPEG via Pillow; alpha dropped, grey replicated to three channels).
2. Resize so the SHORTER side becomes `resize` = round_half_up(crop * 256 / 224) (256 for 224,
   110 for 96, 146 for 128); the longer side becomes round_half_up(long * resize / short),
   computed in integers: (2 * long * resize + short) // (2 * short).
3. The resize filter is BILINEAR with half-pixel centres and no antialiasing, in fixed point:
   for output column x of an axis resized from n_in to n_out, the source coordinate is
       s = ((2x + 1) * n_in - n_out) / (2 * n_out)        (exact rational; clamped below at 0)
       x0 = floor(s), x1 = min(x0 + 1, n_in - 1)
       w1 = round_half_up(frac(s) * 2048)  (integer: (frac_num * 2048 * 2 + den) // (2 * den)), w0 = 2048 - w1
   (s < 0 happens only at the first pixel when upscaling; it is clamped to 0, so x0 = 0, w1 = 0.)
   A pixel is  out = (sum over the 2x2 taps of w_y * w_x * in + 2^21) >> 22  (weights sum to 2^22),
   an integer in 0...255; rows and columns use the same rule. No intermediate rounding.
4. Centre crop `crop` x `crop`: top = (H - crop) // 2, left = (W - crop) // 2 of the resized image.
5. Per channel c, for the 8-bit value v, in IEEE float64:
       f = (v * SCALE - MEAN[c]) / STD[c]
   where SCALE, MEAN[c], STD[c] are float32 values (as a .ember file's metadata stores them)
   widened to float64: SCALE = float32(1/255), ImageNet MEAN = float32((0.485, 0.456, 0.406)),
   STD = float32((0.229, 0.224, 0.225)),
   and for an int8 input, q = clamp(round_half_away_from_zero(f / scale) + zero_point, -128, 127) with
   the model input's scale (its float32 value widened to float64) and zero point. A float32 input
   takes f rounded to float32. (So the engine can use one 256-entry table per channel.)
"""
import numpy as np
from PIL import Image

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
WEIGHT_BITS = 11  # 2048 = 1.0


def load_rgb(path):
    image = Image.open(path)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def resize_size(crop):
    return (2 * crop * 256 + 224) // (2 * 224)


def _axis_taps(n_in, n_out):
    """Per output index: (i0, i1, w0, w1) with w0 + w1 = 2048, integer arithmetic only."""
    taps = []
    den = 2 * n_out
    one = 1 << WEIGHT_BITS
    for x in range(n_out):
        num = (2 * x + 1) * n_in - n_out
        if num < 0:
            num = 0
        i0, rem = divmod(num, den)
        w1 = (rem * one * 2 + den) // (2 * den)
        i1 = min(i0 + 1, n_in - 1)
        if i0 >= n_in - 1:
            i0, i1, w1 = n_in - 1, n_in - 1, 0
        taps.append((i0, i1, one - w1, w1))
    return taps


def resize_bilinear(rgb, out_h, out_w):
    in_h, in_w, _ = rgb.shape
    ty = _axis_taps(in_h, out_h)
    tx = _axis_taps(in_w, out_w)
    src = rgb.astype(np.int64)
    y0 = np.array([t[0] for t in ty]); y1 = np.array([t[1] for t in ty])
    wy0 = np.array([t[2] for t in ty])[:, None, None]; wy1 = np.array([t[3] for t in ty])[:, None, None]
    x0 = np.array([t[0] for t in tx]); x1 = np.array([t[1] for t in tx])
    wx0 = np.array([t[2] for t in tx])[None, :, None]; wx1 = np.array([t[3] for t in tx])[None, :, None]
    acc = (wy0 * (wx0 * src[y0][:, x0] + wx1 * src[y0][:, x1])
           + wy1 * (wx0 * src[y1][:, x0] + wx1 * src[y1][:, x1]))
    out = (acc + (1 << (2 * WEIGHT_BITS - 1))) >> (2 * WEIGHT_BITS)
    return out.astype(np.uint8)


def resize_shorter_and_crop(rgb, crop):
    h, w, _ = rgb.shape
    short = resize_size(crop)
    if h <= w:
        new_h, new_w = short, (2 * w * short + h) // (2 * h)
    else:
        new_w, new_h = short, (2 * h * short + w) // (2 * w)
    resized = resize_bilinear(rgb, new_h, new_w)
    top, left = (new_h - crop) // 2, (new_w - crop) // 2
    return resized[top:top + crop, left:left + crop]


def normalize(rgb8):
    """float64 (v * scale - mean) / std per channel, constants rounded to float32 first."""
    scale = np.float64(np.float32(1.0 / 255.0))
    mean = np.array(MEAN, dtype=np.float32).astype(np.float64)
    std = np.array(STD, dtype=np.float32).astype(np.float64)
    return (rgb8.astype(np.float64) * scale - mean) / std


def quantize(f, scale, zero_point):
    """TFLite-style: round half away from zero, add zero point, clamp (float64)."""
    q = np.sign(f / scale) * np.floor(np.abs(f / scale) + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def preprocess(path, crop, input_dtype, scale=None, zero_point=None):
    """The model input [1, crop, crop, 3] for a photo, as int8 or float32."""
    f = normalize(resize_shorter_and_crop(load_rgb(path), crop))
    if input_dtype == np.int8:
        return quantize(f, float(np.float32(scale)), int(zero_point))[None]
    return f.astype(np.float32)[None]
