import json
import os
import socket
import tempfile
import threading
import time
import unittest

from lutf import _context


class ContextTests(unittest.TestCase):
    def setUp(self):
        self.saved = (_context._channel, _context._info, os.environ.get("LUTF_CHANNEL"))
        _context._channel, _context._info = None, {}

    def tearDown(self):
        _context._channel, _context._info, channel = self.saved
        if channel is None:
            os.environ.pop("LUTF_CHANNEL", None)
        else:
            os.environ["LUTF_CHANNEL"] = channel

    def test_a_call_arriving_before_the_hello_answer_sees_this_node(self):
        """The agent may send a call as soon as it has the worker's hello, before answering it:
        the call must wait for this node's identity, not read it empty."""
        path = os.path.join(tempfile.mkdtemp(), "s.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)

        def agent():
            conn, _ = server.accept()
            hello = json.loads(conn.makefile().readline())
            conn.sendall((json.dumps({"op": "probe", "id": 1}) + "\n").encode())
            time.sleep(0.3)  # the hello answer comes late, on purpose
            conn.sendall((json.dumps({"re": hello["id"], "ok": True, "value": {"me": {"name": "n1"}}}) + "\n").encode())
            time.sleep(5)

        threading.Thread(target=agent, daemon=True).start()
        seen = []
        probed = threading.Event()

        def handler(channel, message):
            seen.append(_context.info().get("me", {}).get("name"))
            probed.set()

        os.environ["LUTF_CHANNEL"] = path
        _context.connect(handler=handler)
        self.assertTrue(probed.wait(5), "the probe never reached the handler")
        self.assertEqual(seen, ["n1"])


if __name__ == "__main__":
    unittest.main()
