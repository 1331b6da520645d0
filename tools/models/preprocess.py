"""The photo preprocessing of Ember's image models, defined exactly so the engine can reproduce it
bit for bit (the goldens store its output bytes). It is the usual torchvision pipeline
(Resize(resize) -> CenterCrop(crop) -> ToTensor -> Normalize) as EmberEngine's
`ImagePreprocessing` implements it:

1. Decode to 8-bit RGB with Pillow (alpha dropped, grey replicated).
2. Resize so the SHORTER side becomes `resize` (the model's metadata `resize_shorter_side`;
   `ember convert` defaults it to round(crop * 256 / 224): 256 for 224, 110 for 96, 146 for 128);
   the longer side becomes int(resize * long / short) (truncated, in float64, as torchvision).
   The filter is Pillow's `Image.resize(size, Image.BILINEAR)`: antialiased bilinear (a triangle
   filter whose support grows with the downscale factor), 8-bit output after each of its two
   passes. EmberEngine's `PillowResize` reproduces it byte for byte.
3. Centre crop `crop` x `crop`: left = round((W - crop) / 2), top = round((H - crop) / 2), ties to even.
4. Per channel c, in IEEE float32: v = (pixel * SCALE - MEAN[c]) / STD[c] with SCALE = float32(1/255),
   ImageNet MEAN = (0.485, 0.456, 0.406), STD = (0.229, 0.224, 0.225) as float32 (the .ember
   metadata's formula and types).
5. int8 input: q = clamp(round_half_away_from_zero(v / scale) + zero_point, -128, 127), the division
   in float32 with the input tensor's scale; float32 input: v itself.
"""
import numpy as np
from PIL import Image

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def load_rgb(path):
    image = Image.open(path)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def resize_size(crop):
    return (2 * crop * 256 + 224) // (2 * 224)


def resize_shorter_and_crop(rgb, crop, resize=None):
    """Steps 2 and 3 on an [H, W, 3] uint8 array."""
    h, w, _ = rgb.shape
    side = resize or resize_size(crop)
    if w <= h:
        new_w, new_h = side, int(float(side * h) / float(w))
    else:
        new_w, new_h = int(float(side * w) / float(h)), side
    resized = np.asarray(Image.fromarray(rgb).resize((new_w, new_h), Image.BILINEAR), dtype=np.uint8)
    left = int(round((new_w - crop) / 2.0))  # Python's round: ties to even
    top = int(round((new_h - crop) / 2.0))
    return resized[top:top + crop, left:left + crop]


def normalize(rgb8):
    """Step 4, float32 throughout."""
    scale = np.float32(1.0 / 255.0)
    mean = np.array(MEAN, dtype=np.float32)
    std = np.array(STD, dtype=np.float32)
    return (rgb8.astype(np.float32) * scale - mean) / std


def quantize(v, scale, zero_point):
    """Step 5: float32 division, round half away from zero, zero point, clamp."""
    r = (v.astype(np.float32) / np.float32(scale)).astype(np.float64)  # exact widening
    q = np.sign(r) * np.floor(np.abs(r) + 0.5)
    return np.clip(q.astype(np.float64) + zero_point, -128, 127).astype(np.int8)


def preprocess(path, crop, input_dtype, scale=None, zero_point=None):
    """The model input [1, crop, crop, 3] for a photo, as int8 or float32."""
    v = normalize(resize_shorter_and_crop(load_rgb(path), crop))
    if input_dtype == np.int8:
        return quantize(v, scale, int(zero_point))[None]
    return v.astype(np.float32)[None]
