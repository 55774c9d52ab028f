"""Helpers of the dynamic-discovery suite."""

import os

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts


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


def node_on(role, interfaces, net="tcp"):
    """The agent ``role`` configured with ``interfaces`` on ``net``; returns (node, NIDs)."""
    node = Node(target=lutf.get_target(role))
    node.require_interfaces(len(interfaces))
    node.configure()
    node.add_net(net, interfaces)
    return node, [node.nid(i, net) for i in interfaces]


def peer_nids(peer):
    return [ni["nid"] for ni in peer["peer ni"]] if peer else []


def summary(node):
    """[(primary, Multi-Rail, NIDs)] of every peer of ``node``."""
    return [(p["primary nid"], p["Multi-Rail"], peer_nids(p)) for p in node.peers()]
