"""A small Python client for emberd (wire protocol v1, see docs/protocol.md). Needs pyzmq.

    from ember_client import EmberClient
    with EmberClient("ipc:///run/ember/emberd.sock") as ember:
        for label in ember.classify("mobilenetv2", "cat.jpg", top_k=5):
            print(label["score"], label.get("label"))
"""
import itertools
import json
import os
import struct

import zmq

PROTOCOL_VERSION = 1
MAX_TEXTS = 256  # texts per `texts` request
DEFAULT_ENDPOINT = "ipc:///run/ember/emberd.sock"


class EmberError(Exception):
    """An error reply: `code` is one of the protocol's error codes (bad_request, busy, ...)."""

    def __init__(self, code, message, request_id=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id


class EmberTimeout(Exception):
    """No reply arrived in time."""


class EmberClient:
    """One DEALER connection to emberd. Not thread-safe: use one client per thread."""

    def __init__(self, endpoint=DEFAULT_ENDPOINT, timeout=10.0, curve_server_key=None,
                 curve_public_key=None, curve_secret_key=None, context=None):
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        if curve_server_key:
            # tcp endpoints are CURVE-encrypted; the keys are Z85 text (40 characters).
            self._socket.curve_serverkey = curve_server_key.encode()
            self._socket.curve_publickey = curve_public_key.encode()
            self._socket.curve_secretkey = curve_secret_key.encode()
        self._socket.connect(endpoint)
        self._timeout_ms = int(timeout * 1000)
        self._ids = itertools.count(1)
        self._prefix = os.urandom(4).hex()

    def close(self):
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- operations --------------------------------------------------------------------------

    def health(self):
        return self.call("health")[0]

    def models(self):
        return self.call("models")[0]["models"]

    def stats(self):
        return self.call("stats")[0]

    def reload(self, model=None):
        fields = {"model": model} if model else {}
        return self.call("reload", **fields)[0]["reloaded"]

    def infer(self, model, input_type, payload, top_k=5, raw=False, deadline_ms=None, **input_fields):
        """Runs one inference; returns (header, payload frames). See docs/protocol.md."""
        fields = {"model": model, "input": dict(type=input_type, **input_fields), "top_k": top_k}
        if raw:
            fields["raw"] = True
        if deadline_ms is not None:
            fields["deadline_ms"] = int(deadline_ms)
        return self.call("infer", [payload], **fields)

    def classify(self, model, image, top_k=5, deadline_ms=None):
        """Top-k of a classifier for an image (a path, or PNG/JPEG bytes): [{index, label, score}]."""
        if isinstance(image, (str, os.PathLike)):
            with open(image, "rb") as f:
                image = f.read()
        header, _ = self.infer(model, "image", image, top_k=top_k, deadline_ms=deadline_ms)
        return header["outputs"]["top_k"]

    def embed(self, model, text, deadline_ms=None):
        """The float32 embedding of `text` from an encoder, as a list of floats."""
        header, payloads = self.infer(model, "text", text.encode("utf-8"), deadline_ms=deadline_ms)
        spec = header["outputs"]["embedding"]
        data = payloads[spec["payload"]]
        return list(struct.unpack(f"<{len(data) // 4}f", data))

    def embed_many(self, model, texts, deadline_ms=None):
        """The embeddings of several texts, in order, as lists of floats. They go as `texts`
        requests of up to MAX_TEXTS, which emberd runs together; each embedding is what its text
        gives alone."""
        vectors = []
        for start in range(0, len(texts), MAX_TEXTS):
            chunk = texts[start:start + MAX_TEXTS]
            fields = {"model": model, "input": {"type": "texts"}}
            if deadline_ms is not None:
                fields["deadline_ms"] = int(deadline_ms)
            header, payloads = self.call("infer", [text.encode("utf-8") for text in chunk], **fields)
            spec = header["outputs"]["embedding"]
            rows, width = spec["shape"]
            values = struct.unpack(f"<{rows * width}f", payloads[spec["payload"]])
            vectors += [list(values[row * width:(row + 1) * width]) for row in range(rows)]
        return vectors

    def infer_tensor(self, model, data, dtype, shape, raw=True, top_k=5, deadline_ms=None):
        """Raw tensor input (little-endian bytes, row-major). Returns (header, payload frames)."""
        return self.infer(model, "tensor", bytes(data), top_k=top_k, raw=raw, deadline_ms=deadline_ms,
                          dtype=dtype, shape=list(shape))

    # -- messages ----------------------------------------------------------------------------

    def call(self, op, payloads=(), **fields):
        """Sends one request and waits for its reply; raises EmberError on an error reply."""
        request_id = f"{self._prefix}-{next(self._ids)}"
        header = {"v": PROTOCOL_VERSION, "id": request_id, "op": op, **fields}
        self._socket.send_multipart([json.dumps(header).encode()] + list(payloads))
        while True:
            if not self._socket.poll(self._timeout_ms):
                raise EmberTimeout(f"no reply to {op} within {self._timeout_ms} ms")
            frames = self._socket.recv_multipart()
            if frames and frames[0] == b"":
                frames = frames[1:]
            reply = json.loads(frames[0])
            if reply.get("id") not in (request_id, None):
                continue  # a late reply to an earlier request that timed out
            if reply["status"] == "error":
                error = reply["error"]
                raise EmberError(error["code"], error["message"], reply.get("id"))
            return reply, frames[1:]
