"""A ping creates a (non-configured) peer for the target on both sides; with discovery on (the
default) the pinged node's record takes the target's NID list and Multi-Rail true (LNET.md §4.4);
the ping output (indent 2) names the local peer's primary and the target's NIDs."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, (c0,) = node_on("client", ["eth0"])
    assert client.globals()["discovery"] == 1
    assert client.peers() == [] and server.peers() == []

    out = client.lnetctl_raw("ping", s1)
    assert out["rc"] == 0, out
    assert out["stdout"] == ("ping:\n- primary nid: %s\n  Multi-Rail: true\n  peer_ni:\n  - nid: %s\n  - nid: %s\n"
                             % (s0, s0, s1)), out["stdout"]
    assert summary(client) == [(s0, True, [s0, s1])], summary(client)
    state = client.peers(verbose=3)[0]["peer state"]
    assert not state & 0x8 and state & 0x10, "peer state %#x: expected DISCOVERED, not CONFIGURED" % state
    # The server saw a new sender: it has a peer for the client's NID.
    assert [p[0] for p in summary(server)] == [c0], summary(server)
