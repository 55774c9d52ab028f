"""A delay rule (latency 2 s, every message) slows pings down without failing them: a ping takes at
least 2 seconds, the rule counts what it delayed (ls_delayed, fs_count); once deleted, pings are
fast again."""

import time

from health_helpers import pair


def timed_ping(node, nid):
    started = time.time()
    answered = node.ping(nid, timeout=10)
    return answered, time.time() - started


def run():
    client, (c0,), server, (s0,) = pair()
    client.add_delay_rule("*", s0, latency=2, rate=1)
    (rule,) = client.delay_rules()
    assert (rule["la_latency"], rule["la_rate"], rule["fa_dst"]) == (2, 1, s0), rule
    answered, took = timed_ping(client, s0)
    assert answered == [s0] and took >= 2.0, (answered, took)
    (rule,) = client.delay_rules()
    assert rule["ls_delayed"] >= 1 and rule["fs_count"] >= 1, rule
    client.del_delay_rules()
    assert client.delay_rules() == []
    answered, took = timed_ping(client, s0)
    assert answered == [s0] and took < 2.0, (answered, took)
