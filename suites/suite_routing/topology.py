"""The routing suite's topology: a client on tcp only, a server on tcp1 only, and a router on
both (tcp on eth0, tcp1 on eth1):

    client1 (tcp) --- oss1 (tcp | tcp1, the router) --- mds1 (tcp1)
"""

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts


class Topology:
    """The three nodes configured (nets only: no routes, routing off). Attributes: ``client``,
    ``router``, ``server`` (LNet proxies) and their NIDs ``client_nid`` (tcp), ``router_tcp``,
    ``router_tcp1``, ``server_nid`` (tcp1)."""

    def __init__(self, client="client", router="OSS", server="MDS"):
        lutf.require_agents(3)
        self.client = LNet(target=lutf.get_target(client, distinct=True))
        self.router = LNet(target=lutf.get_target(router, distinct=True))
        self.server = LNet(target=lutf.get_target(server, distinct=True))
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
        """Routing on (or off) on the router, and the routes that go through it in that state
        (real LNet learns it at its next ping of the gateway: see LNet.wait_route)."""
        self.router.set_routing(enabled)
        for node, net, gateway in ((self.client, "tcp1", self.router_tcp), (self.server, "tcp", self.router_tcp1)):
            if route(node, net) is not None:
                node.wait_route(net, gateway, up=enabled)

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
    """Pings ``nid``, which must fail (exit 255, a ``manage:`` failure); returns the LNetError."""
    try:
        node.ping(nid, timeout=2)
    except LNetError as failure:
        assert failure.rc == 255 and failure.errno < 0, failure
        assert failure.descr.startswith("failed to ping %s: " % nid), failure
        return failure
    raise AssertionError("ping %s from %s worked" % (nid, node.target))
