"""Selftest through a router: a client on tcp writes to a server on tcp1 via a node routing
between them; with routes and routing on, no error node, the client sends, the server receives
(its NI's recv count grows); with routing disabled on the router, errors appear and the server
receives nothing (or, real LNet, lst cannot reach the server to add it to a group)."""

import lutf

from st_helpers import LNet, Selftest, counters


def run():
    lutf.require_agents(3)
    client = LNet(target=lutf.get_target("client", distinct=True))
    router = LNet(target=lutf.get_target("OSS", distinct=True))
    server = LNet(target=lutf.get_target("MDS", distinct=True))
    router.require_interfaces(2)
    for node in (client, router, server):
        node.configure()
    client.add_net("tcp", "eth0")
    router.add_net("tcp", "eth0")
    router.add_net("tcp1", "eth1")
    server.add_net("tcp1", "eth1")
    c0, s0 = client.nid("eth0"), server.nid("eth1", "tcp1")
    server.load_selftest()  # lst's session reaches only nodes with lnet_selftest (-110 otherwise)
    client.add_route("tcp1", router.nid("eth0"))
    server.add_route("tcp", router.nid("eth1", "tcp1"))
    router.set_routing(True)
    # Real LNet learns at its next gateway ping that the router routes (LNet.wait_route).
    client.wait_route("tcp1", router.nid("eth0"))
    server.wait_route("tcp", router.nid("eth1", "tcp1"))

    before = counters(server, s0)
    result = Selftest(target=client.target).run([c0], [s0], mode="write", size="1M", concurrency=4, seconds=1)
    assert result["errors"] == 0, result
    assert result["clients"]["rates"]["W"]["avg"] > 0 and result["servers"]["bandwidth"]["R"]["avg"] > 0, result
    assert counters(server, s0)[1] > before[1], (before, counters(server, s0))

    router.set_routing(False)
    client.wait_route("tcp1", router.nid("eth0"), up=False)
    try:
        result = Selftest(target=client.target).run([c0], [s0], mode="write", size="1M", concurrency=4, seconds=1)
    except lutf.RemoteError as error:
        # Real LNet 6.1 with the route down: lst cannot even add the server to a group, its
        # session RPC has no route (-113).
        assert error.remote_type == "SelftestError" and "add_group servers" in str(error), error
        assert "-113" in str(error), error
        return
    # Nothing reaches the server: error nodes, or (real LNet 6.1) no stat from it at all.
    assert result["errors"] > 0 or result["servers"] == {}, result
    assert result["servers"].get("rates", {}).get("R", {}).get("avg", 0) == 0, result
