"""peer add of a NID that belongs to a discovered (non-configured) peer deletes that peer and
recreates it as configured with only the given NIDs (LNET.md §3.6); a primary that is a secondary
of a configured peer is refused (-17)."""

from dd_helpers import LNetError, node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.discover(s0)
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
    state = client.peers(verbose=3)[0]["peer state"]
    assert not state & 0x8, "%#x" % state

    client.add_peer(s1)
    assert summary(client) == [(s1, True, [s1])], summary(client)
    assert client.peers(verbose=3)[0]["peer state"] & 0x8

    client.del_peer(s1)
    client.add_peer(s0, [s1])
    try:
        client.add_peer(s1)
    except LNetError as error:
        assert (error.errno, error.descr) == (-17, "failed to add primary peer"), error
    else:
        raise AssertionError("peer add of a configured peer's secondary NID worked")
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
