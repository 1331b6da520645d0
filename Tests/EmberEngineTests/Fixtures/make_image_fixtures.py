#!/usr/bin/env python3
"""Regenerates the image fixtures of EmberEngineTests with Pillow (pip install pillow).

Run from the repository root: python3 Tests/EmberEngineTests/Fixtures/make_image_fixtures.py
Every expected image is stored as a plain 8-bit RGB, non-interlaced PNG; the inputs cover the
PNG variants (palette, grey, grey+alpha, RGBA, 16-bit, interlaced) and a baseline JPEG.
"""
import io, os, struct, zlib
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
chelsea = Image.open("testdata/chelsea.png").convert("RGB")
coffee = Image.open("testdata/coffee.png").convert("RGB")

def save(img, name, **kw):
    img.save(os.path.join(here, name), **kw)

# Resizes (Pillow's default reducing_gap=None: one antialiased bilinear resample).
save(chelsea.resize((61, 41), Image.BILINEAR), "chelsea_61x41.png")
small61 = chelsea.resize((61, 41), Image.BILINEAR)
save(small61.resize((61, 97), Image.BILINEAR), "chelsea_61x41_to_61x97.png")  # vertical only, up
save(small61.resize((23, 41), Image.BILINEAR), "chelsea_61x41_to_23x41.png")  # horizontal only, down
save(small61.resize((131, 30), Image.BILINEAR), "chelsea_61x41_to_131x30.png")  # up and down: vertical first
save(small61.resize((50, 30), Image.BILINEAR), "chelsea_61x41_to_50x30.png")  # both down, horizontal first
save(small61.resize((58, 20), Image.BILINEAR), "chelsea_61x41_to_58x20.png")  # both down, vertical first

# The torchvision-style ImageNet pipeline: shorter side 256, centre crop 224.
def short256_crop224(img):
    w, h = img.size
    if w <= h:
        size = (256, int(256 * h / w))
    else:
        size = (int(256 * w / h), 256)
    r = img.resize(size, Image.BILINEAR)
    left = int(round((size[0] - 224) / 2.0))
    top = int(round((size[1] - 224) / 2.0))
    return r.crop((left, top, left + 224, top + 224))
save(short256_crop224(chelsea), "chelsea_256_crop224.png")
save(short256_crop224(coffee), "coffee_256_crop224.png")

# PNG variants of a small crop, and what PIL's convert("RGB") makes of them.
small = chelsea.crop((100, 50, 133, 71))  # 33x21
variants = {
    "palette": small.convert("P", palette=Image.ADAPTIVE, colors=37),
    "grey": small.convert("L"),
    "greyalpha": small.convert("LA"),
    "rgba": small.convert("RGBA"),
}
for name, img in variants.items():
    save(img, f"variant_{name}.png")
    save(img.convert("RGB"), f"variant_{name}_expected.png")
save(small, "variant_rgb_expected.png")

# Pillow writes neither Adam7 nor 16-bit RGB PNGs: a minimal writer for those two.
def png_bytes(width, height, depth, rows_by_pass):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    interlace = 1 if len(rows_by_pass) > 1 else 0
    ihdr = struct.pack(">IIBBBBB", width, height, depth, 2, 0, 0, interlace)
    raw = b"".join(b"\0" + row for rows in rows_by_pass for row in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

w, h = small.size
px = small.tobytes()
adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
passes = []
for x0, y0, dx, dy in adam7:
    rows = [b"".join(px[(y * w + x) * 3:(y * w + x) * 3 + 3] for x in range(x0, w, dx)) for y in range(y0, h, dy)]
    passes.append([r for r in rows if r])
open(os.path.join(here, "variant_interlaced.png"), "wb").write(png_bytes(w, h, 8, passes))
# 16-bit: high byte = the 8-bit value, low byte = something else; PIL keeps the high byte.
rows16 = [b"".join(bytes([v, (v * 7 + x) & 255]) for x, v in enumerate(px[y * w * 3:(y + 1) * w * 3])) for y in range(h)]
open(os.path.join(here, "variant_rgb16.png"), "wb").write(png_bytes(w, h, 16, [rows16]))
for name in ("interlaced", "rgb16"):
    assert Image.open(os.path.join(here, f"variant_{name}.png")).convert("RGB").tobytes() == px, name

# A baseline 4:2:0 JPEG and PIL's decode of it.
# Baseline JPEGs (4:2:0, 4:4:4, grey, progressive) and PIL's decode of them.
jpeg_source = coffee.resize((101, 67), Image.BILINEAR)
for name, img, kw in [("420", jpeg_source, dict(subsampling=2)), ("444", jpeg_source, dict(subsampling=0)),
                      ("grey", jpeg_source.convert("L"), {}), ("progressive", jpeg_source, dict(progressive=True))]:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, **kw)
    open(os.path.join(here, f"coffee_{name}.jpg"), "wb").write(buf.getvalue())
    save(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), f"coffee_{name}_expected.png")
