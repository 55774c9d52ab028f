"""Removing an NI under traffic: a client with two NIs on tcp spreads its pings over both (both
NIs' send counts grow); after `net del` of one NI, pings keep succeeding and go through the NI
left, whose counters grow by exactly the pings sent."""

from mr_helpers import multi_rail_node, ni_counts, single_rail_node


def run():
    client, (c0, c1) = multi_rail_node("client")
    server, s0 = single_rail_node("MDS")
    for _ in range(6):
        client.ping(s0)
    sent0, sent1 = ni_counts(client, c0)[0], ni_counts(client, c1)[0]
    assert sent0 > 0 and sent1 > 0, "pings did not use both NIs: %s sent %d, %s sent %d" % (c0, sent0, c1, sent1)
    assert sent0 + sent1 >= 6, (sent0, sent1)

    client.del_net("tcp", "eth0")
    assert client.nids() == [c1], client.nids()
    before = ni_counts(client, c1)
    for _ in range(5):
        assert client.ping(s0) == [s0]
    after = ni_counts(client, c1)
    assert after[0] - before[0] == 5 and after[1] - before[1] == 5, (before, after)
