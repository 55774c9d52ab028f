"""Helpers of the selftest suite: nodes on tcp, NI counters, and raw `lst` runs on an agent."""

import os
import subprocess

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts
from lutf.selftest import Selftest  # noqa: F401 - re-exported for the scripts


class Node(LNet):
    """``LNet`` of one node, whose interfaces are the ones LNet sees.

    Works around a LUTF bug: on the embedded (simulated) cluster ``lutf.me.interfaces()`` and
    ``Agent.interfaces()`` report the host's real interfaces, not the simulated node's
    (``$LUTF_SIM_INTERFACES``), so ``LNet.address("eth0")`` gives the host's address and
    ``LNet.require_interfaces(2)`` finds one interface. Here a simulated node's interfaces come
    from the simulator's own list; a real node's from ``lutf.me.interfaces()`` as before."""

    def _all_interfaces(self):
        spec = os.environ.get("LUTF_SIM_INTERFACES")
        if spec:
            found = []
            for item in spec.split(","):
                name, _, addresses = item.partition("=")
                found.append({"name": name, "addresses": [a for a in addresses.split("+") if a]})
            return found
        return [i for i in lutf.me.interfaces() if i["name"] != "lo"]

    def interfaces(self):
        """Names of the node's interfaces LNet can use (with an address, not loopback)."""
        return [i["name"] for i in self._all_interfaces() if i.get("addresses")]

    def address(self, interface):
        """The IPv4 address (else the first address) of ``interface``."""
        for i in self._all_interfaces():
            if i["name"] == interface and i["addresses"]:
                v4 = [a for a in i["addresses"] if ":" not in a]
                return (v4 or i["addresses"])[0]
        raise lutf.NotFoundError("no interface %s with an address on %s" % (interface, lutf.me.name))

    def nid(self, interface, net="tcp"):
        """The NID an NI of ``net`` on ``interface`` has (LNET.md §4.2)."""
        return "%s@%s" % (self.address(interface), net)


def on_tcp(*roles, interface="eth0"):
    """The agents ``roles`` configured on tcp (``interface``); returns [(node, NID)]."""
    out = []
    for role in roles:
        node = Node(target=lutf.get_target(role))
        node.configure()
        node.add_net("tcp", interface)
        out.append((node, node.nid(interface)))
    return out


def counters(node, nid):
    """(send_count, recv_count) of local NI ``nid``."""
    s = node.ni(nid, verbose=1)["statistics"]
    return s["send_count"], s["recv_count"]


def lst_raw(args, key=None):
    """Runs ``lst ARGS`` on this node with ``LST_SESSION=key`` (unset if None): {rc, stdout, stderr}."""
    env = dict(os.environ)
    env.pop("LST_SESSION", None)
    if key is not None:
        env["LST_SESSION"] = str(key)
    done = subprocess.run(["lst"] + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=120)
    return {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
