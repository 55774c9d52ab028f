"""Exceptions raised by the lutf API (standard library only)."""

import builtins


class LUTFError(Exception):
    """Something LUTF could not do: the base of every lutf exception.

    ``code`` is the wire code (``agent_dead``, ``timeout``, ...) and ``details`` any extra data
    the error carried.
    """

    code = "failure"

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class RemoteError(LUTFError):
    """Code on another node raised an exception.

    ``node`` names the node, ``remote_type`` / ``remote_message`` / ``remote_traceback`` describe
    the exception as it was raised there.
    """

    code = "remote"

    def __init__(self, message, details=None):
        super().__init__(message, details)
        details = details or {}
        self.node = details.get("node")
        self.remote_type = details.get("remote_type")
        self.remote_message = details.get("remote_message")
        self.remote_traceback = details.get("remote_traceback")


class AgentDeadError(LUTFError):
    """The agent a call was for is dead or died during the call."""

    code = "agent_dead"


class TimeoutError(LUTFError, builtins.TimeoutError):  # noqa: A001 - lutf.TimeoutError on purpose
    """A call or wait ran past its deadline."""

    code = "timeout"


class NotFoundError(LUTFError):
    """The named agent, function, class or object does not exist."""

    code = "not_found"


class SerializationError(LUTFError, TypeError):
    """A value cannot cross nodes: only YAML data (maps with string keys, lists, strings,
    numbers, booleans, None) can."""

    code = "unserialisable"


class BarrierBroken(LUTFError):
    """A barrier was broken: a party died, or not everyone arrived in time."""

    code = "barrier_broken"


class Skip(Exception):
    """Raised by :func:`lutf.skip`; the test is recorded SKIP with the reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


_REMOTE_TYPES = {}


def remote_type(cls):
    """Registers an exception class so that, raised on another node, it comes back as both a
    RemoteError and that class (``except LNetError`` works across nodes)."""
    _REMOTE_TYPES[cls.__name__] = cls
    return cls


def _remote_error(message, details):
    cls = _REMOTE_TYPES.get(details.get("remote_type"))
    if cls is None or issubclass(cls, RemoteError):
        return RemoteError(message, details)
    combined = type("Remote" + cls.__name__, (RemoteError, cls), {"__module__": cls.__module__})
    error = combined.__new__(combined)
    Exception.__init__(error, message)
    error.message = message
    error.details = details
    for key in ("node", "remote_type", "remote_message", "remote_traceback"):
        setattr(error, key, details.get(key))
    for key, value in (details.get("remote_attributes") or {}).items():
        if key not in ("message", "details"):
            setattr(error, key, value)
    return error


_BY_CODE = {
    cls.code: cls
    for cls in (RemoteError, AgentDeadError, TimeoutError, NotFoundError, SerializationError, BarrierBroken)
}


def from_wire(error):
    """The exception for a wire error ``{code, message, ...details}``."""
    if not isinstance(error, dict):
        return LUTFError("malformed error from LUTF: %r" % (error,))
    details = {k: v for k, v in error.items() if k not in ("code", "message")}
    if error.get("code") == "remote":
        return _remote_error(error.get("message") or "unspecified error", details)
    cls = _BY_CODE.get(error.get("code"), LUTFError)
    exc = cls(error.get("message") or "unspecified error", details)
    if cls is LUTFError:
        exc.code = error.get("code") or "failure"
    return exc


for _cls in (LUTFError, AgentDeadError, TimeoutError, NotFoundError, SerializationError, BarrierBroken):
    remote_type(_cls)
