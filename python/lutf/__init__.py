"""LUTF: the LNet Unit Test Framework's Python API.

A test script is ``suite_<suite>/test_<key>.py`` defining ``run()`` or ``run(params)``:

* return ``None`` or ``lutf.PASS`` to pass, ``lutf.FAIL`` to fail, or a dict with a ``status``
  key (``PASS``/``FAIL``/``SKIP``) whose other keys are kept as details;
* call ``lutf.skip("reason")`` to skip; any exception (``assert`` included) fails the test;
* a module-level ``TIMEOUT = <seconds>`` overrides the run's default deadline.

Nodes: ``lutf.agents()``, ``lutf.agent(name)``, ``lutf.get_target(role_or_name)``,
``lutf.require_agents(n)``, ``lutf.me`` (this node), ``lutf.get_environment()``.

Nodes in step: ``lutf.event(name)`` (``set(payload)``, ``wait(timeout)``, ``is_set()``),
``lutf.barrier(name, parties, timeout)`` (raises ``lutf.BarrierBroken`` naming a dead party or
who never arrived), ``lutf.events.subscribe(pattern)`` / ``lutf.events.post(name, payload)``.
All of it is per test, and callable from remote methods too.

Remote objects: a class derived from ``lutf.BaseTest`` created with ``target=agent`` lives on
that agent; every method call runs there and its return value comes back (YAML data only).
``lutf.call(agent, function, *args)`` runs a module-level function there. Exceptions raised
remotely come back as ``lutf.RemoteError``; LUTF's own failures are ``lutf.LUTFError``
subclasses (``AgentDeadError``, ``TimeoutError``, ``SerializationError``, ``NotFoundError``).
"""

import os
import sys
import weakref

from . import _context
from ._errors import (  # noqa: F401 - re-exported
    AgentDeadError,
    BarrierBroken,
    LUTFError,
    NotFoundError,
    RemoteError,
    SerializationError,
    Skip,
    TimeoutError,
)
from ._sync import Event, Subscription, barrier, event, events  # noqa: F401 - re-exported
from ._values import to_wire

PASS = "PASS"
FAIL = "FAIL"
SKIP = "SKIP"

__all__ = [
    "PASS", "FAIL", "SKIP", "skip", "agents", "agent", "get_target", "require_agents", "me",
    "get_environment", "BaseTest", "call", "Agent", "LUTFError", "RemoteError", "AgentDeadError",
    "TimeoutError", "NotFoundError", "SerializationError", "BarrierBroken", "Skip", "event", "barrier", "events",
    "Event", "Subscription",
]


def skip(reason):
    """Ends the test now and records it SKIP with ``reason``."""
    raise Skip(str(reason))


# -- nodes --


class Agent:
    """A node of the cluster: ``name``, ``hostname``, ``roles`` (one node may be MGS, MDS, OSS and
    client at once, as auster's facets on one host are) and ``role`` (the first), ``aliases``
    (other names it answers to), ``address``, and ``lnet``: the node's LNet, ``"system"`` (the
    kernel's) or ``"simulated"``."""

    def __init__(self, info):
        self.name = info.get("name")
        self.hostname = info.get("hostname")
        self.roles = [r.strip() for r in (info.get("role") or "").split(",") if r.strip()]
        self.role = self.roles[0] if self.roles else ""
        self.aliases = list(info.get("aliases") or [])
        self.address = info.get("ip") or info.get("address")
        self.lnet = info.get("lnet") or "system"
        self._interfaces = info.get("interfaces") or []

    def has_role(self, role):
        """Whether the node has ``role`` (any case; OSS and OST are one role)."""
        wanted = _role_key(role)
        return any(_role_key(r) == wanted for r in self.roles)

    def answers_to(self, name):
        return name == self.name or name in self.aliases

    def interfaces(self):
        """The node's interfaces as ``[{name, addresses}]`` (as reported when it connected)."""
        return [{"name": i.get("name"), "addresses": list(i.get("addresses") or [])} for i in self._interfaces]

    def __repr__(self):
        return "<lutf.Agent %s (%s) %s>" % (self.name, self.role or "-", self.address)

    def __eq__(self, other):
        return isinstance(other, Agent) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


def agents():
    """The live agents, in the order they joined."""
    return [Agent(a) for a in _context.request("agents")]


#: Role names: a test asking for one no agent has is skipped, not failed.
ROLES = ("MGS", "MDS", "OSS", "client", "router")


def _role_key(role):
    key = str(role).lower()
    return {"ost": "oss", "mdt": "mds", "clients": "client", "rtr": "router"}.get(key, key)


def agent(name):
    """The live agent called ``name`` (or with that alias); NotFoundError (listing the agents)
    if there is none."""
    found = [a for a in agents() if a.answers_to(name)]
    if not found:
        known = ", ".join(a.name for a in agents()) or "none"
        raise NotFoundError("no live agent named '%s' (agents: %s)" % (name, known))
    return found[0]


#: Agents handed out by ``get_target(..., distinct=True)`` in this test, by name: the role each
#: was taken for. Each test runs in a process of its own, so this is per test.
_distinct = {}


def get_target(role_or_name, distinct=False):
    """The agent named ``role_or_name`` (or with that alias), else the first agent with that role
    (any case). A role no agent has SKIPs the test saying so (the cluster lacks it); any other
    name raises NotFoundError.

    ``distinct=True`` asks for a node of its own: an agent this test already took with
    ``distinct=True`` for another role or name is not given again, so a test of several nodes
    (a client and a server) gets several, and on a cluster whose one host has every role (auster's
    one-node configurations) it is SKIPped saying so instead of configuring one node twice."""
    every = agents()
    taken = {name: why for name, why in _distinct.items() if why != role_or_name} if distinct else {}
    candidates = [a for a in every if a.name not in taken]
    chosen = next((a for a in candidates if a.answers_to(role_or_name)), None)
    if chosen is None:
        chosen = next((a for a in candidates if a.has_role(role_or_name)), None)
    if chosen is not None:
        if distinct:
            _distinct[chosen.name] = role_or_name
        return chosen
    wanted = [a for a in every if a.answers_to(role_or_name) or a.has_role(role_or_name)]
    if wanted:
        skip(
            "needs a node of its own as %s: %s already this test's %s"
            % (role_or_name, ", ".join(a.name for a in wanted), ", ".join(sorted({taken[a.name] for a in wanted})))
        )
    if _role_key(role_or_name) in {_role_key(r) for r in ROLES}:
        skip(
            "no agent with role %s (agents: %s)"
            % (role_or_name, ", ".join("%s/%s" % (a.name, ",".join(a.roles) or "-") for a in every) or "none")
        )
    raise NotFoundError(
        "no agent named or with role '%s' (agents: %s)"
        % (role_or_name, ", ".join("%s/%s" % (a.name, a.role or "-") for a in every) or "none")
    )


def require_agents(n, role=None):
    """``n`` agents (with ``role``, if given), or SKIP the test saying how many there are."""
    every = agents()
    chosen = [a for a in every if role is None or a.has_role(role)]
    if len(chosen) < n:
        what = "agents" if role is None else "agents with role %s" % role
        skip(
            "needs %d %s, the cluster has %d (%s)"
            % (n, what, len(chosen), ", ".join(a.name for a in chosen) or "none")
        )
    return chosen[:n]


class _Me:
    """This node: ``name``, ``hostname``, ``role`` and ``roles``, ``interfaces()``."""

    def _info(self):
        return _context.info().get("me") or {}

    @property
    def name(self):
        return self._info().get("name")

    @property
    def hostname(self):
        return self._info().get("hostname")

    @property
    def roles(self):
        return [r.strip() for r in (self._info().get("role") or "").split(",") if r.strip()]

    @property
    def role(self):
        roles = self.roles
        return roles[0] if roles else ""

    def interfaces(self):
        """This node's interfaces now: ``[{name, addresses}]``."""
        return _context.request("interfaces")

    def __repr__(self):
        return "<lutf.me %s on %s>" % (self.name, self.hostname)


me = _Me()


def get_environment():
    """The run's environment: a dict, the same on every node."""
    return dict(_context.info().get("environment") or {})


# -- remote objects --


def _node_name(target):
    if isinstance(target, Agent):
        return target.name
    if isinstance(target, str):
        return target
    raise TypeError("target must be a lutf.Agent or an agent name, not %s" % type(target).__name__)


def _is_here(node):
    return node == me.name


def _origin(obj):
    """(module name, script path) of a class or function, for the remote side to import it."""
    module = sys.modules.get(obj.__module__)
    path = getattr(module, "__file__", None)
    if path is None:
        raise LUTFError(
            "%s is defined in %s, which has no file: remote code must live in a script or module file"
            % (obj.__qualname__, obj.__module__)
        )
    return obj.__module__, os.path.abspath(path)


def _remote(target, kind, timeout=None, **fields):
    if timeout is not None:
        fields["timeout"] = float(timeout)
    reply = _context.request(
        "call", wait=None if timeout is None else float(timeout) + 10, target=target, type=kind, **fields
    )
    return reply.get("value") if isinstance(reply, dict) else reply


class _RemoteObject:
    """The local stand-in for an instance living on another node."""

    def __init__(self, cls, node, args, kwargs):
        module, script = _origin(cls)
        reply = _remote(
            node, "instantiate_class", module=module, script=script, **{"class": cls.__qualname__},
            args=to_wire(list(args), "constructor arguments"), kwargs=to_wire(kwargs, "constructor arguments"),
        )
        d = self.__dict__
        d["_lutf_node"] = node
        d["_lutf_class"] = cls.__qualname__
        d["_lutf_instance"] = reply
        d["_lutf_test"] = _context.current_test()
        d["_lutf_finalizer"] = weakref.finalize(self, _destroy, node, reply, d["_lutf_test"], cls.__qualname__)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        node, instance, cls = self._lutf_node, self._lutf_instance, self._lutf_class
        proxy = self  # the bound method keeps the remote instance alive: Helper(target=t).go() works

        def method(*args, **kwargs):
            assert proxy is not None
            return _remote(
                node, "method_call", instance=instance, method=name, **{"class": cls},
                args=to_wire(list(args), "arguments of %s.%s" % (cls, name)),
                kwargs=to_wire(kwargs, "arguments of %s.%s" % (cls, name)),
            )

        method.__name__ = name
        return method

    def __setattr__(self, name, value):
        raise AttributeError("cannot set '%s' on a remote %s: call a method instead" % (name, self._lutf_class))

    @property
    def target(self):
        return self._lutf_node

    def __repr__(self):
        return "<remote %s on %s>" % (self._lutf_class, self._lutf_node)


def _destroy(node, instance, test, cls):
    _context.notify("call", target=node, type="destroy_class", instance=instance, test=test, **{"class": cls})


class BaseTest:
    """Base class of objects that can live on another node.

    ``Helper(target=agent, *args, **kwargs)`` creates the instance on ``agent`` (the constructor
    runs there) and returns a proxy whose method calls run there; the instance is dropped when
    the proxy is garbage-collected or the test ends. Without a target (or with this node as
    target) it is a plain local object.
    """

    def __new__(cls, *args, target=None, **kwargs):
        if target is not None:
            node = _node_name(target)
            if not _is_here(node):
                return _RemoteObject(cls, node, args, kwargs)
        return super().__new__(cls)

    def __init__(self, target=None, *args, **kwargs):
        self.target = target


def call(target, function, *args, timeout=None, **kwargs):
    """Runs the module-level ``function(*args, **kwargs)`` on ``target`` and returns its value."""
    node = _node_name(target)
    if _is_here(node):
        return function(*args, **kwargs)
    module, script = _origin(function)
    return _remote(
        node, "function_call", timeout=timeout, module=module, script=script, fname=function.__qualname__,
        args=to_wire(list(args), "arguments of %s" % function.__qualname__),
        kwargs=to_wire(kwargs, "arguments of %s" % function.__qualname__),
    )
