#!/usr/bin/env python3
"""Seed inputs for Fuzz/EmberInputFuzz, written to the folder given: for each parser (the first
byte: 0 request frames, 1 configuration, 2 TFLite, 3 safetensors, 4 text, 5 image, 6 BERT
config.json) a few valid
inputs from the repository's own files, so mutations start from inputs that get past the first
checks. Stdlib only.

  tools/fuzz-input-seeds.py OUT_DIR
"""
import json
import os
import struct
import sys

REQUESTS, CONFIG, TFLITE, SAFETENSORS, TEXT, IMAGE, BERT_CONFIG = range(7)


def frames(parts):
    """The fuzz target's framing: the count minus one, then length-prefixed frames, the last bare."""
    out = bytes([len(parts) - 1])
    for part in parts[:-1]:
        out += struct.pack("<H", len(part)) + part
    return out + parts[-1]


def header(**fields):
    return json.dumps({"v": 1, "id": "7", **fields}).encode()


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {
        "request-image": (REQUESTS, frames([header(op="infer", model="m", input={"type": "image"}, top_k=3),
                                            open("Tests/EmberEngineTests/Fixtures/variant_grey.png", "rb").read()])),
        "request-tensor": (REQUESTS, frames([header(op="infer", model="m", deadline_ms=200,
                                                   input={"type": "tensor", "dtype": "int8", "shape": [1, 4]}),
                                            b"\x01\x02\x03\x04"])),
        "request-texts": (REQUESTS, frames([header(op="infer", model="e", input={"type": "texts"}), "café".encode(), b"a b"])),
        "request-text": (REQUESTS, frames([header(op="infer", model="e", input={"type": "text"}), b"hello"])),
        "request-models": (REQUESTS, frames([header(op="models")])),
        "request-stats": (REQUESTS, frames([header(op="stats")])),
        "request-health": (REQUESTS, frames([header(op="health")])),
        "request-reload": (REQUESTS, frames([header(op="reload", model="m")])),
        "config-systemd": (CONFIG, open("systemd/emberd.toml", "rb").read()),
        "config-small": (CONFIG, b'workers = 2\nthreads_per_inference = 1\n[[model]]\nname = "a"\npath = "/x.ember"\n'
                                 b'[[trigger]]\nname = "t"\nmodel = "a"\nchip = "gpiochip0"\nline = "GPIO17"\nedge = "rising"\n'
                                 b'source = "command"\nsource_command = ["cat", "/x.jpg"]\n'),
        "tflite-prefix": (TFLITE, open("testdata/models/mnv2_a035_96_int8.tflite", "rb").read()[:60000]),
        "text-plain": (TEXT, b"The quick brown fox jumps over the lazy dog."),
        "text-unicode": (TEXT, "Crème brûlée, 北京, 🙂, tab\there\u00a0nbsp, ﬁ ligature, Ω".encode()),
        "image-png": (IMAGE, open("Tests/EmberEngineTests/Fixtures/variant_palette.png", "rb").read()),
        "image-png-interlaced": (IMAGE, open("Tests/EmberEngineTests/Fixtures/variant_interlaced.png", "rb").read()),
        "image-jpeg": (IMAGE, open("Tests/EmberEngineTests/Fixtures/coffee_grey.jpg", "rb").read()),
        "image-jpeg-progressive": (IMAGE, open("Tests/EmberEngineTests/Fixtures/coffee_progressive.jpg", "rb").read()),
    }
    # all-MiniLM-L6-v2's config.json, the keys Ember reads and a few it ignores.
    seeds["bert-config"] = (BERT_CONFIG, json.dumps({
        "architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
        "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536, "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
        "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute",
        "type_vocab_size": 2, "vocab_size": 30522}).encode())
    tensors = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                          "b": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]}}).encode()
    seeds["safetensors"] = (SAFETENSORS, struct.pack("<Q", len(tensors)) + tensors + bytes(20))
    for name, (parser, body) in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([parser]) + body)


if __name__ == "__main__":
    main(sys.argv[1])
