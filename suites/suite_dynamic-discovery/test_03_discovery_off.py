"""set discovery 0: ping still returns the target's whole NID list (output unchanged), but the
local peer keeps only the pinged NID and is not Multi-Rail; discover then degenerates into one
ping and adds nothing (LNET.md §4.4); global show reports discovery 0."""

from dd_helpers import node_on, summary


def run():
    server, (s0, s1) = node_on("OSS", ["eth0", "eth1"])
    client, _ = node_on("client", ["eth0"])
    client.set_global("discovery", 0)
    assert client.globals()["discovery"] == 0
    answered = client.ping(s1)
    assert answered == [s0, s1], answered
    assert summary(client) == [(s1, False, [s1])], summary(client)
    listed = client.discover(s1)
    assert listed == [s1], listed
    assert summary(client) == [(s1, False, [s1])], summary(client)
