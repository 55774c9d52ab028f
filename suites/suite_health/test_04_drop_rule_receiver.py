"""A drop rule on the receiving node (src the client's NID, dst *) drops the client's pings on
arrival: the client's pings fail, the server's NI counts the drops (drop_count) and its stats
drop_count grows, but not its recv_count; rules on one node do not affect another pair (the
server still pings a third node)."""

import lutf

from health_helpers import LNet, pair, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    third = LNet(target=lutf.get_target("MDS", distinct=True))
    third.configure()
    third.add_net("tcp", "eth0")
    m0 = third.nid("eth0")

    server.add_drop_rule(c0, "*", rate=1)
    ni_before = server.ni(s0, verbose=1)["statistics"]
    stats_before = server.stats()
    for _ in range(2):
        ping_fails(client, s0)
    ni_after = server.ni(s0, verbose=1)["statistics"]
    stats_after = server.stats()
    assert ni_after["drop_count"] - ni_before["drop_count"] == 2, (ni_before, ni_after)
    assert ni_after["recv_count"] == ni_before["recv_count"], (ni_before, ni_after)
    assert stats_after["drop_count"] - stats_before["drop_count"] == 2, (stats_before, stats_after)
    (rule,) = server.drop_rules()
    assert rule["ds_dropped"] == 2, rule

    assert server.ping(m0) == [m0]   # the rule matches only the client's NID
    assert third.ping(s0) == [s0]
