"""A route whose gateway does not forward is no way through: with routes on both sides but
routing disabled on the router (the default, LNET.md §4.5), or disabled again after it worked,
the client's ping to the server fails (exit 255) and the route shows state down."""

from topology import Topology, ping_failure, route


def run():
    topo = Topology()
    topo.add_routes()
    assert route(topo.client, "tcp1")["state"] == "down"
    ping_failure(topo.client, topo.server_nid)

    topo.enable_routing()
    assert topo.client.ping(topo.server_nid) == [topo.server_nid]
    topo.enable_routing(False)
    assert route(topo.client, "tcp1")["state"] == "down"
    ping_failure(topo.client, topo.server_nid)
