import json
import os
import socket
import tempfile
import threading
import time
import unittest

import lutf
from lutf._channel import Channel


class FakeLUTF:
    """A Unix-socket peer speaking the channel protocol: answers 'echo' after 'delay' seconds."""

    def __init__(self):
        self.path = os.path.join(tempfile.mkdtemp(), "s.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.conn = None
        self.hanging = threading.Event()  # set once a "hang" request has arrived
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.conn, _ = self.server.accept()
        buffer = b""
        while True:
            try:
                data = self.conn.recv(65536)
            except OSError:  # closed by close() in another thread
                return
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                threading.Thread(target=self.answer, args=(json.loads(line),), daemon=True).start()

    def answer(self, message):
        if message["op"] == "hang":
            self.hanging.set()
            return
        if message["op"] == "fail":
            reply = {"re": message["id"], "ok": False, "error": {"code": "agent_dead", "message": "agent 'x' died"}}
        else:
            time.sleep(message.get("delay", 0))
            reply = {"re": message["id"], "ok": True, "value": message.get("value")}
        self.conn.sendall((json.dumps(reply) + "\n").encode())

    def close(self):
        self.conn.shutdown(socket.SHUT_RDWR)
        self.conn.close()


class ChannelTests(unittest.TestCase):
    def test_requests_from_many_threads_get_their_own_answers(self):
        fake = FakeLUTF()
        channel = Channel(fake.path)
        results = {}

        def ask(i):
            results[i] = channel.request("echo", {"value": {"i": i}, "delay": 0.2 if i % 2 else 0})

        started = time.time()
        threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, {i: {"i": i} for i in range(20)})
        self.assertLess(time.time() - started, 2.0)

    def test_errors_raise_their_class(self):
        fake = FakeLUTF()
        channel = Channel(fake.path)
        with self.assertRaises(lutf.AgentDeadError) as ctx:
            channel.request("fail")
        self.assertEqual(str(ctx.exception), "agent 'x' died")

    def test_a_closed_channel_fails_waiting_and_later_requests(self):
        fake = FakeLUTF()
        channel = Channel(fake.path)
        errors = []

        def wait_forever():
            try:
                channel.request("hang")
            except lutf.LUTFError as error:
                errors.append(error)

        waiter = threading.Thread(target=wait_forever)
        waiter.start()
        self.assertTrue(fake.hanging.wait(5), "the request never reached the peer")
        fake.close()
        waiter.join(5)
        self.assertFalse(waiter.is_alive())
        self.assertEqual(len(errors), 1)
        with self.assertRaises(lutf.LUTFError):
            channel.request("echo")

    def test_a_bounded_wait_times_out(self):
        fake = FakeLUTF()
        channel = Channel(fake.path)
        with self.assertRaises(lutf.TimeoutError):
            channel.request("hang", wait=0.2)


if __name__ == "__main__":
    unittest.main()
