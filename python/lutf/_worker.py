"""An agent's warm Python worker: ``python -m lutf._worker``.

It runs the remote calls of test scripts (create an instance, call a method or a function,
drop an instance), each in its own thread, and sends back the value, or the exception with its
traceback, plus what the call printed.
"""

import io
import itertools
import os
import sys
import threading
import traceback

from lutf import _context, _loader, _tools
from lutf._errors import SerializationError
from lutf._values import to_wire

_node = os.environ.get("LUTF_NODE", "?")
_instances = {}
_instances_lock = threading.Lock()
_ids = itertools.count(1)
_capture = threading.local()
_running = {}  # test -> calls of it running now


class _ThreadOutput(io.TextIOBase):
    """stdout/stderr that a call's thread writes into that call's buffer."""

    def __init__(self, real):
        self._real = real

    def write(self, text):
        buffer = getattr(_capture, "buffer", None)
        if buffer is not None:
            buffer.append(text)
        else:
            self._real.write(text)
        return len(text)

    def flush(self):
        self._real.flush()


def _error(code, message, **details):
    error = {"code": code, "message": message}
    error.update(details)
    return error


_ALLOWED = [d for d in os.environ.get("LUTF_ALLOW_SCRIPTS", "").split(":") if d]
_PACKAGE = os.path.dirname(os.path.realpath(_context.__file__))


def _check_allowed(message):
    """With ``--allow-scripts``, only scripts under those directories (and LUTF's package) run."""
    if not _ALLOWED or message.get("type") in ("destroy_class", "method_call"):  # instances passed the check
        return
    module = message.get("module") or ""
    script = message.get("script")
    if script:
        path = os.path.realpath(_loader.mapped(script))
        if any(path.startswith(d.rstrip("/") + "/") for d in _ALLOWED + [_PACKAGE]):
            return
        what = script
    elif module == "lutf" or module.startswith("lutf."):
        return
    else:
        what = "module %s" % module
    raise PermissionError(
        "agent %s runs only scripts under %s (--allow-scripts): refused %s" % (_node, ", ".join(_ALLOWED), what))


def _call(message):
    _check_allowed(message)
    kind = message.get("type")
    args = message.get("args") or []
    kwargs = message.get("kwargs") or {}
    if kind == "instantiate_class":
        cls = _loader.find(_loader.resolve(message.get("module"), message.get("script")), message["class"])
        obj = cls(*args, **kwargs)
        ident = "%s-%d" % (_node, next(_ids))
        with _instances_lock:
            _instances[ident] = (obj, message.get("test"))
        return ident, "%s()" % message["class"]
    if kind == "method_call":
        with _instances_lock:
            entry = _instances.get(message.get("instance"))
        if entry is None:
            raise LookupError(
                "no %s instance %s on %s (dropped at the end of its test, or never created)"
                % (message.get("class", "remote"), message.get("instance"), _node)
            )
        return getattr(entry[0], message["method"])(*args, **kwargs), "%s.%s" % (message.get("class"), message["method"])
    if kind == "function_call":
        function = _loader.find(_loader.resolve(message.get("module"), message.get("script")), message["fname"])
        return function(*args, **kwargs), message["fname"]
    if kind == "destroy_class":
        with _instances_lock:
            _instances.pop(message.get("instance"), None)
        return None, "destroy"
    raise ValueError("unknown call type %r" % (kind,))


def _handle(channel, message):
    op = message.get("op")
    ident = message.get("id")
    if op == "call":
        test = message.get("test")
        _context.set_current_test(test)
        _capture.buffer = []
        _tools.start_recording()
        counted = message.get("type") != "destroy_class"  # dropping is not work left running
        if counted:
            with _instances_lock:
                _running[test] = _running.get(test, 0) + 1
        what = message.get("type")
        try:
            value, what = _call(message)
            try:
                value = to_wire(value, "return value of %s" % what)
            except SerializationError as exc:
                channel.reply(ident, error=_error("unserialisable", "%s on %s" % (exc, _node), node=_node))
                return
            channel.reply(ident, {"value": value, "output": "".join(_capture.buffer), "tools": _tools.take_record()})
        except BaseException as exc:  # everything the remote code raises goes back to the caller
            tb = traceback.format_exc()
            text = str(exc)
            attributes = {}
            for key, value in vars(exc).items() if hasattr(exc, "__dict__") else ():
                try:
                    attributes[key] = to_wire(value)
                except SerializationError:
                    pass
            channel.reply(
                ident,
                error=_error(
                    "remote",
                    "%s on %s: %s" % (type(exc).__name__, _node, text) if text else "%s on %s" % (type(exc).__name__, _node),
                    node=_node, remote_type=type(exc).__name__, remote_message=text, remote_traceback=tb,
                    output="".join(_capture.buffer), remote_attributes=attributes, tools=_tools.take_record(),
                ),
            )
        finally:
            _capture.buffer = None
            _tools.take_record()
            if counted:
                with _instances_lock:
                    _running[test] -= 1
                    if not _running[test]:
                        del _running[test]
    elif op == "end_test":
        test = message.get("test")
        with _instances_lock:
            dropped = [k for k, (_, t) in _instances.items() if t == test]
            for k in dropped:
                del _instances[k]
            running = _running.get(test, 0)
        channel.reply(ident, {"dropped": len(dropped), "running": running})
    elif op == "ping":
        channel.reply(ident, "pong")
    else:
        channel.reply(ident, error=_error("not_found", "the Python worker on %s has no operation '%s'" % (_node, op)))


def main():
    sys.stdout = _ThreadOutput(sys.stdout)
    sys.stderr = _ThreadOutput(sys.stderr)
    _context.watch_lifeline()
    closed = threading.Event()
    _context.connect(handler=_handle, on_close=closed.set)
    closed.wait()
    os._exit(0)


if __name__ == "__main__":
    main()
