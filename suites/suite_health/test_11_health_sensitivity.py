"""health_sensitivity is what one failure costs (LNET.md §4.7): with 400 a lost ping takes the peer
NI from 1000 to 600, then 200, never below 0; with 0 health is not evaluated and stays at 1000."""

from health_helpers import pair, peer_health, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    client.ping(s0)
    client.set_global("health_sensitivity", 400)
    client.add_drop_rule("*", s0, rate=1)
    ping_fails(client, s0)
    assert peer_health(client, s0) == 600
    ping_fails(client, s0)
    assert peer_health(client, s0) == 200
    ping_fails(client, s0)
    assert peer_health(client, s0) == 0, peer_health(client, s0)

    client.set_peer_health(s0, 1000)
    client.set_global("health_sensitivity", 0)
    assert client.globals()["retry_count"] == 0
    ping_fails(client, s0)
    assert peer_health(client, s0) == 1000, peer_health(client, s0)
