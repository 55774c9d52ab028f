"""An interface going down on a two-NI node: its NI shows status down and fatal_error 1 (net show
-v 2), pings to a two-NI server keep working through the other rail (the server receives them on
its NI of that rail, none on the other; each interface is its own network, as on the guests, so
the failover needs the server on both rails), and bringing the link back up restores status up."""

from mr_helpers import multi_rail_node, ni_counts


def run():
    client, (c0, c1) = multi_rail_node("client")
    server, (s0, s1) = multi_rail_node("OSS")
    client.set_link("eth0", False)
    ni0 = client.ni(c0)
    assert ni0["status"] == "down" and ni0["health stats"]["fatal_error"] == 1, ni0
    assert client.ni(c1)["status"] == "up"
    before0, before1 = ni_counts(server, s0), ni_counts(server, s1)
    for _ in range(5):
        assert sorted(client.ping(s1)) == sorted([s0, s1])
    # (Not the client's own counts: real LNet's recovery pings of the downed NI count there.)
    assert ni_counts(server, s0)[1] == before0[1], (before0, ni_counts(server, s0))
    assert ni_counts(server, s1)[1] - before1[1] >= 5, (before1, ni_counts(server, s1))

    client.set_link("eth0", True)
    ni0 = client.ni(c0)
    assert ni0["status"] == "up" and ni0["health stats"]["fatal_error"] == 0, ni0
