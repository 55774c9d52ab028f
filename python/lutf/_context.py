"""This process's link to LUTF: which node it is on and the channel to its LUTF process."""

import os
import threading

from ._channel import Channel

_lock = threading.Lock()
_channel = None
_info = {}
_local = threading.local()


def watch_lifeline():
    """With ``$LUTF_LIFELINE`` set, ends this process (and its process group: whatever the test
    started) when standard input ends, which is when the LUTF process that started it ends,
    however it ends."""
    if os.environ.get("LUTF_LIFELINE") != "1":
        return

    def watch():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        try:
            os.killpg(os.getpgrp(), 9)
        finally:
            os._exit(70)

    threading.Thread(target=watch, name="lutf-lifeline", daemon=True).start()


def connect(handler=None, on_close=None):
    """Opens the channel named by $LUTF_CHANNEL and introduces this process with $LUTF_TOKEN."""
    global _channel, _info
    with _lock:
        if _channel is None:
            path = os.environ.get("LUTF_CHANNEL")
            if not path:
                from ._errors import LUTFError

                raise LUTFError(
                    "not running under LUTF: $LUTF_CHANNEL is not set (run scripts with `lutf run` or `lutf shell`)"
                )
            channel = Channel(path, handler=handler, on_close=on_close)
            hello = channel.request("hello", {"token": os.environ.get("LUTF_TOKEN", ""), "pid": os.getpid()})
            # Published only now: a call the channel hands to another thread before the hello is
            # answered must wait here (in connect) for this node's identity, not read it empty.
            _info = hello or {}
            _channel = channel
        return _channel


def channel():
    return _channel if _channel is not None else connect()


def info():
    if _channel is None:
        connect()
    return _info


def current_test():
    """The test the calling thread works for (set per call on agents, fixed in a script)."""
    return getattr(_local, "test", None) or _info.get("test", {}).get("id")


def set_current_test(test):
    _local.test = test


def request(op, wait=None, **fields):
    """Sends ``op`` with ``fields`` to LUTF and returns the answer; ``wait`` bounds the wait
    here (LUTF enforces its own deadlines and answers with a precise error first)."""
    fields.setdefault("test", current_test())
    return channel().request(op, fields, wait=wait)


def notify(op, **fields):
    if _channel is None:
        return
    fields.setdefault("test", current_test())
    _channel.notify(op, fields)
