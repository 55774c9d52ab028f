"""A drop rule on the sender (src *, dst the server's NID, rate 1) makes pings fail with -110; the
rule counts what it dropped (ds_dropped, fs_count, fs_get); the sender's stats show the loss
(drop_count, response_timeout_count grow), and the server's peer NI health drops by
health_sensitivity per lost ping with its timeout count; once the rule is deleted pings work
again and health climbs back."""

from health_helpers import pair, peer_health, peer_ni, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    assert client.ping(s0) == [s0]
    assert peer_health(client, s0) == 1000
    before = client.stats()

    client.add_drop_rule("*", s0, rate=1)
    for _ in range(3):
        ping_fails(client, s0)
    (rule,) = client.drop_rules()
    assert rule["ds_dropped"] == 3 and rule["fs_count"] == 3 and rule["fs_get"] == 3, rule
    after = client.stats()
    assert after["drop_count"] > before["drop_count"], (before, after)
    assert after["response_timeout_count"] > before["response_timeout_count"], (before, after)
    assert after["send_count"] > before["send_count"], (before, after)
    ni = peer_ni(client, s0)
    assert ni["health stats"]["health value"] == 1000 - 3 * 100, ni   # health_sensitivity 100
    assert ni["health stats"]["timeout"] >= 3, ni
    # The server never saw those pings.
    received = server.ni(s0, verbose=1)["statistics"]["recv_count"]

    client.del_drop_rules()
    assert client.drop_rules() == []
    assert client.ping(s0) == [s0]
    assert server.ni(s0, verbose=1)["statistics"]["recv_count"] == received + 1
    assert peer_health(client, s0) > 700, peer_ni(client, s0)
