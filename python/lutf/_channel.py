"""The local channel between a Python process and its LUTF process (master or agent).

Newline-delimited JSON over a Unix socket, in both directions: a request is
``{"id": N, "op": NAME, ...}``, its answer ``{"re": N, "ok": true, "value": V}`` or
``{"re": N, "ok": false, "error": {code, message, ...}}``. Any number of threads may have
requests in flight; a reader thread routes answers to them and hands requests from the other
side to a handler, each in its own thread.
"""

import json
import socket
import threading

from ._errors import LUTFError, from_wire


class ChannelClosed(LUTFError):
    code = "agent_dead"


class Channel:
    def __init__(self, path, handler=None, on_close=None):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(path)
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._next_id = 1
        self._pending = {}
        self._closed = None
        self._handler = handler
        self._on_close = on_close
        self._reader = threading.Thread(target=self._read_loop, name="lutf-channel", daemon=True)
        self._reader.start()

    # -- sending --

    def _send(self, message):
        data = (json.dumps(message, separators=(",", ":"), allow_nan=True) + "\n").encode()
        with self._send_lock:
            self._sock.sendall(data)

    def request(self, op, fields=None, wait=None):
        """Sends ``{"id", "op", **fields}`` and waits (at most ``wait`` seconds, if given) for its
        value; raises the matching LUTFError on failure."""
        slot = {"event": threading.Event()}
        with self._state_lock:
            if self._closed is not None:
                raise ChannelClosed(self._closed)
            ident = self._next_id
            self._next_id += 1
            self._pending[ident] = slot
        message = {"id": ident, "op": op}
        message.update(fields or {})
        try:
            self._send(message)
        except OSError as exc:
            with self._state_lock:
                self._pending.pop(ident, None)
            raise ChannelClosed("connection to LUTF lost: %s" % exc)
        if not slot["event"].wait(wait):
            with self._state_lock:
                self._pending.pop(ident, None)
            from ._errors import TimeoutError

            raise TimeoutError("LUTF did not answer '%s' within %s s" % (op, wait))
        reply = slot["reply"]
        if reply.get("ok"):
            return reply.get("value")
        raise from_wire(reply.get("error"))

    def notify(self, op, fields=None):
        """Sends a request without waiting for (or caring about) the answer."""
        with self._state_lock:
            if self._closed is not None:
                return
            ident = self._next_id
            self._next_id += 1
        message = {"id": ident, "op": op, "noreply": True}
        message.update(fields or {})
        try:
            self._send(message)
        except OSError:
            pass

    def reply(self, ident, value=None, error=None):
        if error is not None:
            message = {"re": ident, "ok": False, "error": error}
        else:
            message = {"re": ident, "ok": True, "value": value}
        try:
            self._send(message)
        except OSError:
            pass

    # -- receiving --

    def _read_loop(self):
        # A long line arrives in many reads: keep its pieces and look for the newline only in
        # each new piece, so that a 16 MiB value costs one join, not a copy per read.
        pieces = []
        reason = "LUTF closed the connection"
        try:
            while True:
                chunk = self._sock.recv(1 << 20)
                if not chunk:
                    break
                start = 0
                newline = chunk.find(b"\n")
                while newline >= 0:
                    pieces.append(chunk[start:newline])
                    line = b"".join(pieces)
                    pieces = []
                    if line:
                        self._dispatch(json.loads(line))
                    start = newline + 1
                    newline = chunk.find(b"\n", start)
                if start < len(chunk):
                    pieces.append(chunk[start:])
        except OSError as exc:
            reason = "connection to LUTF lost: %s" % exc
        finally:
            self._fail_all(reason)
            if self._on_close:
                self._on_close()

    def _dispatch(self, message):
        if "re" in message:
            with self._state_lock:
                slot = self._pending.pop(message["re"], None)
            if slot is not None:
                slot["reply"] = message
                slot["event"].set()
        elif "op" in message and self._handler is not None:
            threading.Thread(target=self._handler, args=(self, message), daemon=True).start()

    def _fail_all(self, reason):
        with self._state_lock:
            self._closed = reason
            pending, self._pending = self._pending, {}
        for slot in pending.values():
            slot["reply"] = {"ok": False, "error": {"code": "agent_dead", "message": reason}}
            slot["event"].set()

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
