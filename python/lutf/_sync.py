"""Events and barriers between nodes; the master owns their state, per test."""

from . import _context
from ._values import to_wire

_SLACK = 30  # how much longer than a wait's own timeout to wait for the master's answer


def _parties(parties):
    if isinstance(parties, int):
        return {"count": parties}
    names = []
    for party in parties:
        name = getattr(party, "name", party)
        if not isinstance(name, str):
            raise TypeError("barrier parties must be agents, agent names or a count, not %r" % (party,))
        names.append(name)
    return {"parties": names}


class Event:
    """A named event of the running test: ``set(payload)`` on one node, ``wait(timeout)`` on
    others (returns the payload). Callable from the test script and from remote methods."""

    def __init__(self, name):
        self.name = name

    def set(self, payload=None):
        _context.request("event_set", name=self.name, payload=to_wire(payload, "event payload"))

    def wait(self, timeout=60):
        """The payload once the event is set; ``lutf.TimeoutError`` after ``timeout`` seconds."""
        return _context.request("event_wait", wait=timeout + _SLACK, name=self.name, timeout=float(timeout))

    def is_set(self):
        return bool(_context.request("event_is_set", name=self.name))

    def clear(self):
        _context.request("event_clear", name=self.name)

    def __repr__(self):
        return "<lutf.event %r>" % self.name


def event(name):
    """The event ``name`` of the running test."""
    return Event(name)


def barrier(name, parties, timeout=60):
    """Waits until every party has arrived at barrier ``name``.

    ``parties`` is a list of agents (``lutf.me`` or ``"master"`` for the test script itself) or a
    count. If a party's agent dies, every waiter gets ``lutf.BarrierBroken`` at once, naming it;
    at the timeout, ``BarrierBroken`` naming who never arrived.
    """
    fields = _parties(parties)
    return _context.request("barrier", wait=timeout + _SLACK, name=name, timeout=float(timeout), **fields)


class Subscription:
    """Events posted by agents whose names match a glob; ``get(timeout)`` returns the next one as
    ``(name, payload, node)``; iterating yields them until ``timeout`` passes without one."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.id = _context.request("subscribe", pattern=pattern)

    def get(self, timeout=60):
        event = _context.request("next_event", wait=timeout + _SLACK, subscription=self.id, timeout=float(timeout))
        return event["name"], event["payload"], event["from"]

    def __iter__(self):
        from ._errors import TimeoutError

        while True:
            try:
                yield self.get(timeout=self.timeout)
            except TimeoutError:
                return

    timeout = 5


class _Events:
    """``lutf.events``: asynchronous events (``post`` anywhere, ``subscribe`` where you listen)."""

    @staticmethod
    def subscribe(pattern="*"):
        return Subscription(pattern)

    @staticmethod
    def post(name, payload=None):
        """Posts an event; returns how many subscriptions received it."""
        return _context.request("post_event", name=name, payload=to_wire(payload, "event payload"))


events = _Events()
