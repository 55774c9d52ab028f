"""A configured peer is never changed by discovery (LNET.md §4.3): a peer added with only the
node's second NID keeps exactly that NID and stays CONFIGURED after ping and discover --force,
even though the node's ping reply lists two NIDs; its locked primary stays too."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.add_peer(s1, lock=True)
    assert summary(client) == [(s1, True, [s1])], summary(client)

    assert client.ping(s1) == [s0, s1]
    listed = client.discover(s1, force=True)
    assert listed == [s1], listed
    assert summary(client) == [(s1, True, [s1])], summary(client)
    state = client.peers(verbose=3)[0]["peer state"]
    assert state & 0x8 and state & 0x100000, "peer state %#x lost CONFIGURED or LOCK_PRIMARY" % state
