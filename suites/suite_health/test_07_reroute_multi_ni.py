"""Traffic avoids an unhealthy NI of a two-NI node: with one client NI's health at 0 every ping
leaves through the other (the server receives the pings from it, none from the sick one; the
client's own send counts would not tell: real LNet's recovery pings of the sick NI count there); a
drop rule on the server for one client NI (src that NID: rules act on arriving messages) fails
only the pings sourced from it (--source), while the other NI keeps working."""

from health_helpers import pair


def received_from(server, nid):
    """Messages the server received from the peer NI ``nid`` (0 before it knows it)."""
    peer = server.peer(nid, verbose=1)
    for ni in (peer or {}).get("peer ni", []):
        if ni["nid"] == nid:
            return ni["statistics"]["recv_count"]
    return 0


def run():
    client, (c0, c1), server, (s0,) = pair(client_interfaces=("eth0", "eth1"))
    client.set_ni_health(c0, 0)
    before0, before1 = received_from(server, c0), received_from(server, c1)
    for _ in range(4):
        assert client.ping(s0) == [s0]
    assert received_from(server, c0) == before0, "the NI with health 0 was used"
    assert received_from(server, c1) - before1 >= 4, (before1, received_from(server, c1))
    client.set_ni_health(c0, 1000)

    # Rules act on arrival: the server drops what comes from c0.
    server.add_drop_rule(c0, "*", rate=1)
    result = client.lnetctl_raw("ping", s0, "--source", c0, "--timeout", "2")
    assert result["rc"] == 255 and "errno: -" in result["stdout"], result
    assert client.ping(s0, source=c1) == [s0]
    assert server.drop_rules()[0]["ds_dropped"] == 1, server.drop_rules()
    server.del_drop_rules()
