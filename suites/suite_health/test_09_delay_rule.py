"""A delay rule (latency 2 s, every message) slows pings down without failing them: a ping takes at
least 2 seconds, the rule (on the server: rules act on arriving messages) counts what it delayed; once deleted, pings are
fast again."""

import time

from health_helpers import pair


def timed_ping(node, nid):
    started = time.time()
    answered = node.ping(nid, timeout=10)
    return answered, time.time() - started


def run():
    client, (c0,), server, (s0,) = pair()
    # Rules act on arrival: the server delays the GETs that come to it.
    server.add_delay_rule("*", s0, latency=2, rate=1)
    (rule,) = server.delay_rules()
    assert (rule["latency"], rule["rate"], rule["dst"]) == (2, 1, s0), rule
    answered, took = timed_ping(client, s0)
    assert answered == [s0] and took >= 2.0, (answered, took)
    (rule,) = server.delay_rules()
    assert rule["ds_delayed"] >= 1 and rule["fs_count"] >= 1, rule
    server.del_delay_rules()
    assert server.delay_rules() == []
    answered, took = timed_ping(client, s0)
    assert answered == [s0] and took < 2.0, (answered, took)
