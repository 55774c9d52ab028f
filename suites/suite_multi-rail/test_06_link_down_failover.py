"""An interface going down on a two-NI node: its NI shows status down and fatal_error 1 (net show
-v 2), pings keep working through the other NI (whose send count grows by the pings sent, the
downed one's not at all), and bringing the link back up restores status up."""

from mr_helpers import multi_rail_node, ni_counts, single_rail_node


def run():
    client, (c0, c1) = multi_rail_node("client")
    server, s0 = single_rail_node("OSS")
    client.set_link("eth0", False)
    ni0 = client.ni(c0)
    assert ni0["status"] == "down" and ni0["health stats"]["fatal_error"] == 1, ni0
    assert client.ni(c1)["status"] == "up"
    before0, before1 = ni_counts(client, c0), ni_counts(client, c1)
    for _ in range(5):
        assert client.ping(s0) == [s0]
    after0, after1 = ni_counts(client, c0), ni_counts(client, c1)
    assert after0 == before0, (before0, after0)
    assert after1[0] - before1[0] == 5, (before1, after1)

    client.set_link("eth0", True)
    ni0 = client.ni(c0)
    assert ni0["status"] == "up" and ni0["health stats"]["fatal_error"] == 0, ni0
