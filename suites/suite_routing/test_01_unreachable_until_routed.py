"""A client on tcp cannot reach a server on tcp1 without a route (ping fails, exit 255); routes on
both sides start in state down while the router does not route; once the router enables routing
the ping works both ways, answers with the server's NID, the route is up, and the router's NIs
carried the traffic (its tcp NI received and its tcp1 NI sent). (Routes with routing still
disabled: test_07.)"""

from topology import Topology, ping_failure, route


def run():
    topo = Topology()
    ping_failure(topo.client, topo.server_nid)      # no route at all
    topo.add_routes()
    assert route(topo.client, "tcp1")["state"] == "down", topo.client.routes(verbose=True)
    assert route(topo.server, "tcp")["state"] == "down", topo.server.routes(verbose=True)

    topo.enable_routing()
    r = route(topo.client, "tcp1")
    assert r["state"] == "up" and r["gateway"] == topo.router_tcp, r
    tcp_before = topo.router.ni(topo.router_tcp, verbose=1)["statistics"]["recv_count"]
    tcp1_before = topo.router.ni(topo.router_tcp1, verbose=1)["statistics"]["send_count"]
    assert topo.client.ping(topo.server_nid) == [topo.server_nid]
    assert topo.server.ping(topo.client_nid) == [topo.client_nid]
    assert topo.router.ni(topo.router_tcp, verbose=1)["statistics"]["recv_count"] > tcp_before
    assert topo.router.ni(topo.router_tcp1, verbose=1)["statistics"]["send_count"] > tcp1_before
    # The client never learnt the server through tcp: its peer for it is on tcp1, reached via the router.
    assert topo.client.peer_nids(topo.server_nid) == [topo.server_nid], topo.client.peers()
