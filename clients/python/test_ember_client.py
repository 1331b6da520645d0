#!/usr/bin/env python3
"""Tests of ember_client.py against a running emberd that serves builtin:echo as "echo".
EMBER_ENDPOINT names the endpoint. Run by tools/test-steps/60-python-client.sh."""
import os
import struct
import time
import unittest

import zmq

from ember_client import EmberClient, EmberError

ENDPOINT = os.environ.get("EMBER_ENDPOINT", "ipc:///run/ember/emberd.sock")


class EmberClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ember = EmberClient(ENDPOINT, timeout=10)
        deadline = time.monotonic() + 20
        while True:  # emberd may still be loading
            try:
                cls.ember.health()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.ember.close()

    def test_health_and_models(self):
        self.assertEqual(self.ember.health()["state"], "serving")
        names = [m["name"] for m in self.ember.models()]
        self.assertIn("echo", names)

    def test_texts_request_carries_one_frame_per_text(self):
        # builtin:echo returns the texts one after the other; an encoder returns one embedding each.
        header, frames = self.ember.call("infer", [b"ab", b"", "\u00e9".encode()], model="echo", input={"type": "texts"})
        self.assertEqual(frames[header["outputs"]["raw"]["payload"]], "ab\u00e9".encode())
        with self.assertRaises(EmberError) as caught:
            self.ember.call("infer", [], model="echo", input={"type": "texts"})
        self.assertEqual(caught.exception.code, "bad_request")
        self.assertIn("got 0", caught.exception.message)

    def test_tensor_round_trip(self):
        values = [1.5, -2.0, 3.25]
        data = struct.pack("<3f", *values)
        header, payloads = self.ember.infer_tensor("echo", data, "float32", [3])
        raw = header["outputs"]["raw"]
        self.assertEqual(raw["dtype"], "float32")
        self.assertEqual(raw["shape"], [3])
        self.assertEqual(struct.unpack("<3f", payloads[raw["payload"]]), tuple(values))

    def test_errors_carry_codes(self):
        with self.assertRaises(EmberError) as caught:
            self.ember.infer_tensor("no-such-model", b"\x00", "uint8", [1])
        self.assertEqual(caught.exception.code, "unknown_model")
        with self.assertRaises(EmberError) as caught:
            self.ember.infer_tensor("echo", b"\x00\x00", "float32", [1])
        self.assertEqual(caught.exception.code, "invalid_input")
        with self.assertRaises(EmberError) as caught:
            self.ember.call("health", colour="red")
        self.assertEqual(caught.exception.code, "bad_request")
        self.assertIn("colour", caught.exception.message)

    def test_stats_count_requests(self):
        before = self.ember.stats()["models"]["echo"]["ok"]
        self.ember.infer_tensor("echo", b"\x01", "uint8", [1])
        self.assertEqual(self.ember.stats()["models"]["echo"]["ok"], before + 1)

    def test_req_socket_works_too(self):
        socket = zmq.Context.instance().socket(zmq.REQ)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(ENDPOINT)
        socket.send_json({"v": 1, "id": "req", "op": "health"})
        self.assertTrue(socket.poll(5000))
        self.assertEqual(socket.recv_json()["id"], "req")
        socket.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
