"""LNet configuration and traffic from test scripts: ``LNet`` drives lnetctl and lctl.

``LNet()`` works on this node; ``LNet(target=agent)`` on that agent. It runs whichever tools
the node has: on a Lustre node the real ``lnetctl``/``lctl``, on a simulated node (the embedded
cluster) the simulator's, through the same code path. Every failing command raises
``LNetError`` naming the command and the tool's own error (``errno``, ``descr``).
"""

import os
import re
import shutil
import time

import lutf

from . import _tools
from ._clean import clean_cluster, clean_node  # noqa: F401 - part of the API
from ._tools import LNetError  # noqa: F401 - part of the API

__all__ = ["LNet", "LNetError", "clean_node", "clean_cluster", "peer_nids"]


class LNet(lutf.BaseTest):
    """The LNet of one node."""

    # -- raw tools --

    def lnetctl(self, *args, check=True, input=None):
        """Runs ``lnetctl ARGS`` and returns its output as YAML data (a dict; {} if none)."""
        _, out, _ = _tools.run("lnetctl", args, check=check, input=input)
        return _tools.yaml_of(out)

    def lnetctl_raw(self, *args, input=None):
        """Runs ``lnetctl ARGS`` and returns ``{rc, stdout, stderr}`` without checking."""
        rc, out, err = _tools.run("lnetctl", args, check=False, input=input)
        return {"rc": rc, "stdout": out, "stderr": err}

    def lctl(self, *args, check=True):
        """Runs ``lctl ARGS`` and returns its standard output."""
        _, out, _ = _tools.run("lctl", args, check=check)
        return out

    # -- lifecycle --

    def load(self):
        """Loads the LNet modules if they are not loaded (real nodes; the simulator's are always
        there). The clean slate unloads them on real nodes, so every setting starts at its default."""
        _tools.load_modules("lnet")

    def load_selftest(self):
        """Loads lnet_selftest (real nodes): ``lst`` needs it on its console and on every node of
        its groups, after LNet is configured there."""
        _tools.load_modules("lnet_selftest")

    def configure(self, all=False):
        """Configures LNet (``lnetctl lnet configure [--all]``), loading its modules first."""
        self.load()
        self.lnetctl("lnet", "configure", *(["--all"] if all else []))

    def unconfigure(self):
        self.lnetctl("lnet", "unconfigure")

    def unload(self):
        """Unloads LNet: every setting, globals included, back to its default."""
        if _tools.simulated():
            _sim("unload")
        elif _tools.available("lustre_rmmod"):
            _tools.run("lustre_rmmod", [])
        else:
            # A configured LNet holds the module, and lnet_selftest and the LNDs hold lnet: LNet is
            # unconfigured (when it is not, that fails, which is fine) and they go first.
            # rmmod, not modprobe -r: libcfs stays loaded, with its debug log.
            if os.path.exists("/sys/module/lnet_selftest"):
                _tools.run("rmmod", ["lnet_selftest"])
            if os.path.exists("/sys/module/lnet"):
                self.lnetctl_raw("lnet", "unconfigure")
            loaded = [m for m in ("ksocklnd", "ko2iblnd", "kkfilnd", "lnet") if os.path.exists("/sys/module/" + m)]
            if loaded:
                _tools.run("rmmod", loaded)

    # -- nets --

    def add_net(self, net, interfaces, **tunables):
        """Adds ``net`` on ``interfaces`` (a name or a list); tunables as ``peer_credits=16``."""
        if isinstance(interfaces, str):
            interfaces = [interfaces]
        args = ["net", "add", "--net", net, "--if", ",".join(interfaces)]
        for key, value in tunables.items():
            args += ["--" + key.replace("_", "-"), value]
        self.lnetctl(*args)

    def del_net(self, net, interface=None):
        self.lnetctl("net", "del", "--net", net, *(["--if", interface] if interface else []))

    def nets(self, verbose=0, net=None):
        """``net show`` as a list of ``{net type, local NI(s)}``."""
        args = ["net", "show"] + (["-v", verbose] if verbose else []) + (["--net", net] if net else [])
        return self.lnetctl(*args).get("net", [])

    def nis(self, verbose=0):
        """Every local NI (lo included) as a dict with its ``nid``."""
        return [ni for net in self.nets(verbose) for ni in net.get("local NI(s)", [])]

    def ni(self, nid, verbose=2):
        for ni in self.nis(verbose):
            if ni.get("nid") == nid:
                return ni
        raise lutf.NotFoundError("no local NI %s (NIs: %s)" % (nid, ", ".join(n.get("nid", "?") for n in self.nis())))

    def nids(self):
        """``lctl list_nids``: the NIDs of the node, lo excluded."""
        return self.lctl("list_nids").split()

    def set_ni_health(self, nid, value):
        self.lnetctl("net", "set", "--nid", nid, "--health", value)

    # -- peers --

    def add_peer(self, primary, nids=(), lock=False):
        args = ["peer", "add", "--prim_nid", primary]
        if nids:
            args += ["--nid", ",".join(nids) if not isinstance(nids, str) else nids]
        if lock:
            args.append("--lock_prim")
        self.lnetctl(*args)

    def del_peer(self, primary, nids=None, force=False):
        args = ["peer", "del", "--prim_nid", primary]
        if nids:
            args += ["--nid", ",".join(nids) if not isinstance(nids, str) else nids]
        if force:
            args.append("--force")
        self.lnetctl(*args)

    def peers(self, verbose=0):
        return self.lnetctl("peer", "show", *(["-v", verbose] if verbose else [])).get("peer", [])

    def peer(self, nid, verbose=0):
        """The peer holding ``nid`` (``primary nid``, ``Multi-Rail``, ``peer ni``), or None if
        there is none (lnetctl exits 234 and prints nothing, or -2 on kernels that say why);
        other failures (LNet down, ...) raise LNetError."""
        try:
            peers = self.lnetctl("peer", "show", "--nid", nid, *(["-v", verbose] if verbose else [])).get("peer", [])
        except LNetError as error:
            if error.errno == -2 or (error.rc == 234 and not (error.stdout + error.stderr).strip()):
                return None
            raise
        return peers[0] if peers else None

    def peer_nids(self, nid):
        """The NIDs of the peer holding ``nid`` (primary first), or [] if there is none."""
        return peer_nids(self.peer(nid))

    def set_peer_health(self, nid, value):
        self.lnetctl("peer", "set", "--nid", nid, "--health", value)

    # -- routes and routing --

    def add_route(self, net, gateway, hop=None, priority=None):
        """Adds a route. On real LNet this node's router checks are made quick first (see
        :meth:`quick_router_checks`): a gateway is pinged when its route is added and then every
        ``alive_router_check_interval`` as it was at that ping, so an interval lowered later
        leaves the next check up to 60 s away."""
        self.quick_router_checks()
        args = ["route", "add", "--net", net, "--gateway", gateway]
        if hop is not None:
            args += ["--hop", hop]
        if priority is not None:
            args += ["--priority", priority]
        self.lnetctl(*args)

    def del_route(self, net, gateway):
        self.lnetctl("route", "del", "--net", net, "--gateway", gateway)

    def routes(self, verbose=False):
        return self.lnetctl("route", "show", *(["-v"] if verbose else [])).get("route", [])

    def set_routing(self, enabled):
        """Routing on or off. On real LNet, enabling it first makes this node's router checks
        quick (see :meth:`quick_router_checks`): 6.1 starts forwarding only after
        ``router_ping_timeout + alive_router_check_interval`` (110 s by default); and an enable
        refused while a disable is still stopping the forwarding (EBUSY) is retried."""
        if not enabled:
            self.lnetctl("set", "routing", 0)
            return
        self.quick_router_checks()
        # Right after routing was disabled, real LNet stops forwarding over 2-6 s and refuses to
        # enable it meanwhile (EBUSY): that ends within the deadline.
        deadline = time.monotonic() + 15
        while True:
            try:
                self.lnetctl("set", "routing", 1)
                return
            except LNetError as error:
                if error.errno != -16 or time.monotonic() >= deadline:
                    raise
            time.sleep(0.5)  # the next try; the deadline bounds the wait

    def quick_router_checks(self, interval=1, ping_timeout=3):
        """Sets real LNet's ``alive_router_check_interval`` (60 s by default) and
        ``router_ping_timeout`` (50 s): a router then forwards ``interval + ping_timeout`` s after
        routing is enabled, and this node pings its gateways every ``interval`` s, so a route's
        state follows its gateway's within seconds. (A ping timeout of 1 s is too short under
        emulation: routes flap.) The clean slate puts the defaults back (it reloads lnet when a
        parameter differs). Nothing to do on a simulated node, whose routes follow their gateways
        at once."""
        if _tools.simulated():
            return
        for name, value in (("alive_router_check_interval", interval), ("router_ping_timeout", ping_timeout)):
            with open("/sys/module/lnet/parameters/" + name, "w") as handle:
                handle.write(str(int(value)))

    def wait_route(self, net, gateway, up=True, timeout=20):
        """Waits until the route to ``net`` through ``gateway`` is up (or down); returns it.

        Real LNet learns whether a gateway routes when it next pings it: its router checker does
        that every ``alive_router_check_interval`` (60 s by default; made 1 s here, see
        :meth:`quick_router_checks`). (No forced discovery of the gateway: with one sent while
        waiting, pings right after the route showed up failed with -113 on 6.1, in 2 of 7
        routing tests.) Raises
        :class:`lutf.TimeoutError` naming the route's last state at the deadline."""
        want = "up" if up else "down"
        self.quick_router_checks()
        deadline = time.monotonic() + timeout
        seen_at = None
        while True:
            current = [r for r in self.routes(verbose=True) if r["net"] == net and r["gateway"] == gateway]
            now = time.monotonic()
            if current and current[0]["state"] == want:
                # In that state at two looks more than a router check apart (no flapping).
                if _tools.simulated() or (seen_at is not None and now - seen_at >= 1.5):
                    return current[0]
                seen_at = seen_at if seen_at is not None else now
            else:
                seen_at = None
            if now >= deadline:
                state = current[0]["state"] if current else "absent"
                raise lutf.TimeoutError("route to %s via %s is %s, not %s, after %s s" % (net, gateway, state, want,
                                                                                            timeout))
            time.sleep(0.2)  # the next look at the route's state; the deadline bounds the wait

    def routing(self):
        return self.lnetctl("routing", "show")

    # -- globals --

    def set_global(self, name, value):
        self.lnetctl("set", name, value)

    def globals(self):
        return self.lnetctl("global", "show").get("global", {})

    # -- show, export, import, snapshots --

    def export(self, backup=False):
        """``lnetctl export`` as text."""
        _, out, _ = _tools.run("lnetctl", ["export"] + (["--backup"] if backup else []))
        return out

    def import_config(self, text, delete=False):
        _tools.run("lnetctl", ["import"] + (["--del"] if delete else []), input=text)

    def snapshot(self):
        """The node's configuration (``export --backup``), to give to :meth:`restore`."""
        return {"configured": self.configured(), "config": self.export(backup=True)}

    def restore(self, snapshot):
        """Puts the configuration of a :meth:`snapshot` back (LNet is reconfigured)."""
        self.lnetctl_raw("lnet", "unconfigure")
        if snapshot.get("configured"):
            self.configure()
            self.import_config(snapshot["config"])
            # The import adds routes before peers, and on real LNet 6.1 a peer that exists (a
            # gateway the routes made) ends its peer section: the configured peers after it are
            # added here.
            from . import _yaml
            exported = {}
            for document in _yaml.load_all(snapshot["config"]) or []:
                exported.update(document or {})
            present = {p["primary nid"] for p in self.peers()}
            for peer in exported.get("peer") or []:
                primary = peer.get("primary nid")
                if primary and primary not in present:
                    others = [n["nid"] for n in peer.get("peer ni") or [] if n.get("nid") != primary]
                    self.add_peer(primary, others or None)

    def configured(self):
        return self.lnetctl_raw("net", "show")["rc"] == 0

    # -- traffic --

    def ping(self, nid, timeout=None, source=None):
        """Pings ``nid``; returns the NIDs it answered with. Raises LNetError if it fails."""
        args = ["ping", nid] + (["--timeout", timeout] if timeout is not None else [])
        args += ["--source", source] if source else []
        return [n["nid"] for item in self.lnetctl(*args).get("ping", []) for n in item.get("peer_ni", [])]

    def try_ping(self, nid, timeout=None):
        """Pings ``nid``; True if it answered."""
        args = ["ping", nid] + (["--timeout", timeout] if timeout is not None else [])
        return self.lnetctl_raw(*args)["rc"] == 0

    def discover(self, nid, force=False):
        """Discovers ``nid``; returns the NIDs of the local peer record afterwards."""
        out = self.lnetctl("discover", nid, *(["--force"] if force else []))
        return [n["nid"] for item in out.get("discover", []) for n in item.get("peer_ni", [])]

    def stats(self):
        return self.lnetctl("stats", "show").get("statistics", {})

    def reset_stats(self):
        self.lnetctl("stats", "reset")

    # -- fault injection --

    def add_drop_rule(self, src="*", dst="*", rate=1, interval=None, messages=()):
        args = ["fault", "drop", "add", "--source", src, "--dest", dst]
        args += ["--interval", interval] if interval else ["--rate", rate]
        for m in messages:
            args += ["--message", m]
        self.lnetctl(*args)

    def add_delay_rule(self, src, dst, latency, rate=1):
        self.lnetctl("fault", "delay", "add", "--source", src, "--dest", dst, "--rate", rate, "--latency", latency)

    def del_drop_rules(self, src=None, dst=None):
        args = ["--all"] if src is None else ["--source", src, "--dest", dst]
        self.lnetctl_raw("fault", "drop", "del", *args)

    def del_delay_rules(self, src=None, dst=None):
        args = ["--all"] if src is None else ["--source", src, "--dest", dst]
        self.lnetctl_raw("fault", "delay", "del", *args)

    def drop_rules(self):
        """The drop rules (``lctl net_drop_list``: ``lnetctl fault drop show`` aborts with a
        double free in lustre c881f8eb) as ``[{src, dst, rate, interval, portal, mask, ds_dropped,
        fs_count, fs_put, fs_ack, fs_get, fs_reply}]``, newest first: how many messages it dropped
        of those it matched, by kind (``mask``: PUT 2, ACK 1, GET 4, REPLY 8)."""
        return _rules(self.lctl("net_drop_list", check=False))

    def delay_rules(self):
        """The delay rules (``lctl net_delay_list``), as :meth:`drop_rules` lists them (``ds_delayed``
        for what it delayed), with ``latency``."""
        return _rules(self.lctl("net_delay_list", check=False))

    # -- interfaces --

    def interfaces(self):
        """Names of the node's interfaces LNet can use: not loopback, with an address, up (a
        simulated node reports only its simulated interfaces that are up)."""
        return [i["name"] for i in lutf.me.interfaces() if i["name"] != "lo" and i.get("addresses")]

    def require_interfaces(self, n):
        """``n`` interface names, or SKIP the test saying how many this node has."""
        names = self.interfaces()
        if len(names) < n:
            lutf.skip("needs %d interfaces on %s, it has %d (%s)" % (n, lutf.me.name, len(names), ", ".join(names) or "none"))
        return names[:n]

    def nid(self, interface, net="tcp"):
        """The NID an NI of ``net`` on ``interface`` has (the interface's address @ ``net``)."""
        return "%s@%s" % (self.address(interface), net)

    def address(self, interface):
        """The IPv4 address (else the first address) of ``interface`` on this node."""
        for i in lutf.me.interfaces():
            if i["name"] == interface:
                v4 = [a for a in i["addresses"] if ":" not in a]
                return (v4 or i["addresses"])[0]
        raise lutf.NotFoundError("no interface %s on %s" % (interface, lutf.me.name))

    def set_link(self, interface, up):
        """Takes ``interface`` down or brings it up (a real link on real nodes)."""
        if _tools.simulated():
            _sim("link", interface, "up" if up else "down")
        else:
            _tools.run("ip", ["link", "set", interface, "up" if up else "down"])


_RULE = re.compile(
    r"^(?P<src>\S+)->(?P<dst>\S+) \((?P<timing>[^)]*)\) ptl (?P<ptl>0x[0-9a-f]+|\d+), msg (?P<mask>[0-9a-f]+), "
    r"(?P<done>\d+)/(?P<count>\d+), PUT (?P<put>\d+), ACK (?P<ack>\d+), GET (?P<get>\d+), REP (?P<reply>\d+)")


def _rules(text):
    """The rules of ``lctl net_drop_list`` / ``net_delay_list`` (with no rule, lctl prints one
    entry of zeros, ``0@<0:0>->0@<0:0>``, and "found total 0": skipped)."""
    rules = []
    for line in text.splitlines():
        match = _RULE.match(line.strip())
        if not match or match.group("src").startswith("0@<"):
            continue
        rule = {"src": match.group("src"), "dst": match.group("dst"), "ds_dropped": int(match.group("done")),
                "ds_delayed": int(match.group("done")), "fs_count": int(match.group("count")),
                "fs_put": int(match.group("put")), "fs_ack": int(match.group("ack")),
                "fs_get": int(match.group("get")), "fs_reply": int(match.group("reply")),
                "portal": int(match.group("ptl"), 0), "mask": int(match.group("mask"), 16)}
        # "1/RATE | INTERVAL" and, for a delay rule, ", latency SECONDS".
        timing = re.match(r"1/(\d+) \| (\d+)", match.group("timing"))
        if timing:
            rule["rate"], rule["interval"] = int(timing.group(1)), int(timing.group(2))
        latency = re.search(r"latency (\d+)", match.group("timing"))
        if latency:
            rule["latency"] = int(latency.group(1))
        rules.append(rule)
    return rules


def peer_nids(peer):
    """The NIDs of a peer record (as ``LNet.peers()`` and ``LNet.peer()`` return them), primary
    first; [] for None."""
    return [ni["nid"] for ni in peer["peer ni"]] if peer else []


def _sim(*args):
    """Runs ``lutf sim ARGS`` (the simulator's lnetctl is a link to the lutf binary)."""
    lnetctl = shutil.which("lnetctl")
    _tools.run(os.path.realpath(lnetctl) if lnetctl else "lutf", ["sim", *args])
