"""With discovery off, pinging two NIDs of one node gives two separate one-NID, non-MR peers;
once discovery is back on, `discover` of one NID merges them into one Multi-Rail peer holding both
NIDs with the node's first NID as primary (LNET.md §4.4); discover lists the merged peer's NIDs."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.set_global("discovery", 0)
    client.ping(s0)
    client.ping(s1)
    assert summary(client) == [(s0, False, [s0]), (s1, False, [s1])], summary(client)

    client.set_global("discovery", 1)
    listed = client.discover(s1)
    assert listed == [s0, s1], listed
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
