"""A configured peer is never changed by discovery (LNET.md §4.3): a peer added with only the
node's second NID keeps exactly that NID and stays CONFIGURED after ping and discover --force,
even though the node's ping reply lists two NIDs; its locked primary stays too. On 6.1 the
discover --force is refused: the node answers with another primary than the locked one
("Operation not permitted", errno -1, exit 255)."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.add_peer(s1, lock=True)
    assert summary(client) == [(s1, True, [s1])], summary(client)

    assert client.ping(s1) == [s0, s1]
    result = client.lnetctl_raw("discover", s1, "--force")
    assert result["rc"] == 255 and "failed to discover %s: Operation not permitted" % s1 in result["stdout"], result
    assert summary(client) == [(s1, True, [s1])], summary(client)
    state = client.peers(verbose=3)[0]["peer state"]
    assert state & 0x8 and state & 0x100000, "peer state %#x lost CONFIGURED or LOCK_PRIMARY" % state
