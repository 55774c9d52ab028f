"""A ping creates a (non-configured, not Multi-Rail) peer for the pinged NID on both sides, and
discovers nothing, even with discovery on (the default): the pinger's record holds only that NID
(peer state 0); the ping's output (indent 2) names the pinged NID as primary, Multi-Rail false
(the local record's), and the target's NIDs from its reply. Discovery merges them (test 02).
(Real LNet, 6.1 / lustre c881f8eb.)"""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, (c0,) = node_on("client", ["eth0"])
    assert client.globals()["discovery"] == 1
    assert client.peers() == [] and server.peers() == []

    out = client.lnetctl_raw("ping", s1)
    assert out["rc"] == 0, out
    assert out["stdout"] == ("ping:\n- primary nid: %s\n  Multi-Rail: false\n  peer_ni:\n  - nid: %s\n  - nid: %s\n"
                             % (s1, s0, s1)), out["stdout"]
    assert summary(client) == [(s1, False, [s1])], summary(client)
    assert client.peers(verbose=3)[0]["peer state"] == 0, client.peers(verbose=3)
    # A ping of the other NID makes a second peer: nothing merges them without discovery.
    assert client.ping(s0) == [s0, s1]
    assert summary(client) == [(s1, False, [s1]), (s0, False, [s0])], summary(client)
    # The server saw a new sender: it has a peer for the client's NID.
    assert summary(server) == [(c0, False, [c0])], summary(server)
