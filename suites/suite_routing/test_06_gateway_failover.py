"""Two routers to one remote net (4 nodes): the client prefers the route of priority 0; when that
router stops routing, traffic fails over to the priority-1 router (the client sends its pings
there and they still work), and the first route shows state down."""

import lutf

from topology import LNet, route


def sent_to(node, gateway):
    """How many messages ``node`` has sent to ``gateway`` (its peer NI's send_count). The router
    checker pings both gateways alike, once per interval; only the pings routed through one add to
    it (a router's own NI counts also carry the checks of the far side, at their own pace)."""
    peer = node.peer(gateway, verbose=1)
    assert peer is not None, "%s has no peer for its gateway %s" % (node.target, gateway)
    return next(ni["statistics"]["send_count"] for ni in peer["peer ni"] if ni["nid"] == gateway)


def run():
    lutf.require_agents(4)
    client = LNet(target=lutf.get_target("client1", distinct=True))
    first = LNet(target=lutf.get_target("OSS", distinct=True))
    second = LNet(target=lutf.get_target("client2", distinct=True))
    server = LNet(target=lutf.get_target("MDS", distinct=True))
    for node in (client, first, second, server):
        node.configure()
    client.add_net("tcp", "eth0")
    server.add_net("tcp1", "eth1")
    for router in (first, second):
        router.add_net("tcp", "eth0")
        router.add_net("tcp1", "eth1")
        router.set_routing(True)
    gw1, gw2 = first.nid("eth0"), second.nid("eth0")
    client.add_route("tcp1", gw1, priority=0)
    client.add_route("tcp1", gw2, priority=1)
    server.add_route("tcp", first.nid("eth1", "tcp1"), priority=0)
    server.add_route("tcp", second.nid("eth1", "tcp1"), priority=1)
    target = server.nid("eth1", "tcp1")
    # Real LNet learns at its next gateway ping that the routers route (LNet.wait_route).
    for gateway in (gw1, gw2):
        client.wait_route("tcp1", gateway)
    for router in (first, second):
        server.wait_route("tcp", router.nid("eth1", "tcp1"))

    # The client's router checks reach both gateways once a second (LNet.quick_router_checks), a
    # tick apart at most: the pings' gateway is the one sent at least 2 more.
    before1, before2 = sent_to(client, gw1), sent_to(client, gw2)
    for _ in range(3):
        assert client.ping(target) == [target]
    grown1, grown2 = sent_to(client, gw1) - before1, sent_to(client, gw2) - before2
    assert grown1 >= grown2 + 2, "priority 0 router not preferred (%d vs %d)" % (grown1, grown2)

    first.set_routing(False)
    client.wait_route("tcp1", gw1, up=False)
    states = {r["gateway"]: r["state"] for r in client.routes(verbose=True)}
    assert states == {gw1: "down", gw2: "up"}, states
    before1, before2 = sent_to(client, gw1), sent_to(client, gw2)
    for _ in range(3):
        assert client.ping(target) == [target]
    grown1, grown2 = sent_to(client, gw1) - before1, sent_to(client, gw2) - before2
    assert grown2 >= grown1 + 2, "traffic did not fail over to the second router (%d vs %d)" % (grown2, grown1)
    assert route(client, "tcp1") is not None
