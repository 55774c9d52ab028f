"""route show -v: hop/priority as given, state down while the gateway does not route and up once
it does, type single-hop when the gateway is on the remote net itself and multi-hop when it is
not (LNET.md §3.10); the gateway's peer NI reports an up/down state instead of NA, and so do the
peers of a node that routes (routing enabled, peer_timeout > 0) (§3.8)."""

from topology import Topology, route


def run():
    topo = Topology()
    topo.client.add_route("tcp1", topo.router_tcp, hop=1, priority=4)
    topo.client.add_route("tcp9", topo.router_tcp)   # the router is not on tcp9
    # The server's route back: its router checks keep the router's tcp1 up. A router marks a net
    # down that no router check has reached for router_ping_timeout + alive_router_check_interval
    # (6.1, lnet_update_ni_status_locked), and the client's hop-1 route then with it.
    topo.server.add_route("tcp", topo.router_tcp1)
    r1, r9 = route(topo.client, "tcp1"), route(topo.client, "tcp9")
    assert (r1["hop"], r1["priority"], r1["state"]) == (1, 4, "down"), r1
    assert (r9["hop"], r9["priority"], r9["state"]) == (-1, 0, "down"), r9

    assert topo.client.ping(topo.router_tcp) == [topo.router_tcp, topo.router_tcp1]
    assert [ni["state"] for ni in topo.router.peer(topo.client_nid)["peer ni"]] == ["NA"]
    topo.enable_routing()
    assert [ni["state"] for ni in topo.router.peer(topo.client_nid)["peer ni"]] == ["up"], topo.router.peers()
    r1, r9 = route(topo.client, "tcp1"), route(topo.client, "tcp9")
    assert (r1["state"], r1["type"]) == ("up", "single-hop"), r1
    assert (r9["state"], r9["type"]) == ("up", "multi-hop"), r9
    gateway = topo.client.peer(topo.router_tcp)
    states = {ni["nid"]: ni["state"] for ni in gateway["peer ni"]}
    assert states.get(topo.router_tcp) == "up" and set(states.values()) == {"up"}, gateway

    topo.enable_routing(False)
    assert route(topo.client, "tcp1")["state"] == "down", topo.client.routes(verbose=True)
