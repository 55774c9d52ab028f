"""The routing suite's topology: a client on tcp only, a server on tcp1 only, and a router on
both (tcp on eth0, tcp1 on eth1):

    client1 (tcp) --- oss1 (tcp | tcp1, the router) --- mds1 (tcp1)
"""

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


class Topology:
    """The three nodes configured (nets only: no routes, routing off). Attributes: ``client``,
    ``router``, ``server`` (Node proxies) and their NIDs ``client_nid`` (tcp), ``router_tcp``,
    ``router_tcp1``, ``server_nid`` (tcp1)."""

    def __init__(self, client="client", router="OSS", server="MDS"):
        lutf.require_agents(3)
        self.client = Node(target=lutf.get_target(client))
        self.router = Node(target=lutf.get_target(router))
        self.server = Node(target=lutf.get_target(server))
        self.router.require_interfaces(2)
        for node in (self.client, self.router, self.server):
            node.configure()
        self.client.add_net("tcp", "eth0")
        self.router.add_net("tcp", "eth0")
        self.router.add_net("tcp1", "eth1")
        self.server.add_net("tcp1", "eth1")
        self.client_nid = self.client.nid("eth0", "tcp")
        self.router_tcp = self.router.nid("eth0", "tcp")
        self.router_tcp1 = self.router.nid("eth1", "tcp1")
        self.server_nid = self.server.nid("eth1", "tcp1")

    def add_routes(self):
        """Routes both ways through the router (the server needs one back to tcp)."""
        self.client.add_route("tcp1", self.router_tcp)
        self.server.add_route("tcp", self.router_tcp1)

    def enable_routing(self, enabled=True):
        self.router.set_routing(enabled)

    def routed(self):
        """Routes added and routing enabled: the client reaches the server."""
        self.add_routes()
        self.enable_routing()
        return self


def route(node, net):
    """The (verbose) route of ``node`` to ``net``, or None."""
    for r in node.routes(verbose=True):
        if r["net"] == net:
            return r
    return None


def ping_failure(node, nid):
    """Pings ``nid``, which must fail (exit 255); returns the manage: failure block."""
    result = node.lnetctl_raw("ping", nid, "--timeout", "2")
    assert result["rc"] == 255, "ping %s from %s worked: %r" % (nid, node.target, result)
    import lutf._yaml as yaml
    failure = yaml.load(result["stdout"])["manage"][0]
    assert failure["descr"].startswith("failed to ping %s: " % nid) and failure["errno"] < 0, failure
    return failure
