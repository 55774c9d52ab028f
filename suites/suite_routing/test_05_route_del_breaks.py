"""Deleting the client's route breaks reachability again (ping fails, route show is empty), and
adding it back restores it; on the server, deleting the net its route's gateway is on removes the
route too (LNET.md §4.6)."""

from topology import Topology, ping_failure


def run():
    topo = Topology().routed()
    assert topo.client.ping(topo.server_nid) == [topo.server_nid]
    topo.client.del_route("tcp1", topo.router_tcp)
    assert topo.client.routes() == [], topo.client.routes()
    ping_failure(topo.client, topo.server_nid)

    topo.client.add_route("tcp1", topo.router_tcp)
    assert topo.client.ping(topo.server_nid) == [topo.server_nid]

    # The server's route goes with the net its gateway is on.
    topo.server.add_net("tcp2", "eth0")
    topo.server.del_net("tcp1")
    assert topo.server.routes() == [], topo.server.routes()
