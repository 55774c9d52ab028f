"""peer add of a NID that belongs to a discovered (non-configured) peer deletes that peer and
recreates it as configured with only the given NIDs (peer state 9: CONFIGURED); a primary that is a
secondary of a configured peer is refused (exit 234, nothing printed on real LNet 6.1 / c881f8eb)."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.discover(s0)
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
    state = client.peers(verbose=3)[0]["peer state"]
    assert not state & 0x8, "%#x" % state

    client.add_peer(s1)
    assert summary(client) == [(s1, True, [s1])], summary(client)
    assert client.peers(verbose=3)[0]["peer state"] == 9, client.peers(verbose=3)

    client.del_peer(s1)
    client.add_peer(s0, [s1])
    result = client.lnetctl_raw("peer", "add", "--prim_nid", s1)
    assert (result["rc"], result["stdout"], result["stderr"]) == (234, "", ""), result
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
