"""discover --force on an up-to-date peer succeeds and keeps the record; repeated discovery is
idempotent; discovery follows the node's NIDs (a NID added on the node appears after --force);
discover of an unreachable NID fails (exit 255, "failed to discover <nid>: ..." under manage:)
and still leaves a non-configured peer; an unparsable NID is lnetctl's own nidlist error (exit 234,
on stderr, as for ping)."""

import lutf._yaml as yaml

from dd_helpers import node_on, peer_nids, summary


def run():
    server, (s0,) = node_on("OSS", ["eth0"])
    client, _ = node_on("client", ["eth0"])
    assert client.discover(s0) == [s0]
    assert client.discover(s0, force=True) == [s0]
    assert client.discover(s0) == [s0]
    assert summary(client) == [(s0, True, [s0])], summary(client)

    # The server gains an NI: a forced discovery brings the peer record up to date.
    server.add_net("tcp", "eth1")
    s1 = server.nid("eth1")
    assert client.discover(s0, force=True) == [s0, s1]
    assert peer_nids(client.peer(s0)) == [s0, s1], client.peers()

    # Unreachable NID on the local net.
    lost = "192.0.2.250@tcp"
    result = client.lnetctl_raw("discover", lost)
    assert result["rc"] == 255, result
    assert "manage:\n- discover:\n" in result["stdout"], result
    assert "failed to discover %s: " % lost in result["stdout"], result
    peer = client.peer(lost)
    assert peer is not None and peer_nids(peer) == [lost], client.peers()
    assert not client.peers(verbose=3)[-1]["peer state"] & 0x8

    result = client.lnetctl_raw("discover", "notanid")
    assert (result["rc"], result["stdout"]) == (234, ""), result
    failure = yaml.load(result["stderr"])["manage"][0]
    assert failure == {"discover": None, "errno": -22,
                       "descr": '"Unable to parse nidlist: no valid NIDs in string"'}, result
