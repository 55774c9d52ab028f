"""Drop rules act on arriving messages (real LNet checks them in lnet_parse): a rule on the sender
whose destination is the server (src *, dst the server's NID) matches nothing the sender receives,
so pings keep working and the rule counts nothing; a rule on the sender matching what comes back
from the server (src the server's NID) drops the REPLYs, so pings fail and the rule counts them
by kind; once the rule is deleted pings work again."""

from health_helpers import pair, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    assert client.ping(s0) == [s0]

    client.add_drop_rule("*", s0, rate=1)
    for _ in range(3):
        assert client.ping(s0, timeout=2) == [s0]
    (rule,) = client.drop_rules()
    assert rule["ds_dropped"] == 0, rule
    client.del_drop_rules()

    client.add_drop_rule(s0, "*", rate=1)
    for _ in range(2):
        ping_fails(client, s0, errno=None)
    (rule,) = client.drop_rules()
    assert rule["ds_dropped"] == 2 and rule["fs_reply"] == 2, rule
    client.del_drop_rules()
    assert client.drop_rules() == []
    assert client.ping(s0) == [s0]
