"""Drop rules match message types (-m, LNET.md §3.19): an LNet ping is a GET answered by a REPLY,
so a PUT-only rule leaves pings alone (and counts nothing), a GET rule on the server and a REPLY
rule on the client (rules act on arriving messages) both make them fail; the mask shows the bits
(PUT 2, GET 4, REPLY 8)."""

from health_helpers import pair, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    server.add_drop_rule("*", "*", rate=1, messages=["PUT"])
    assert client.ping(s0) == [s0]
    (rule,) = server.drop_rules()
    assert rule["mask"] == 2 and rule["ds_dropped"] == 0, rule
    server.del_drop_rules()

    server.add_drop_rule(c0, s0, rate=1, messages=["GET"])
    ping_fails(client, s0)
    (rule,) = server.drop_rules()
    assert rule["mask"] == 4 and rule["ds_dropped"] == 1 and rule["fs_get"] == 1, rule
    server.del_drop_rules()

    client.add_drop_rule(s0, c0, rate=1, messages=["REPLY"])
    ping_fails(client, s0, errno=None)
    (rule,) = client.drop_rules()
    assert rule["mask"] == 8 and rule["ds_dropped"] == 1 and rule["fs_reply"] == 1, rule
    # The server did get the GET and answer it.
    ni = server.ni(s0, verbose=2)
    assert ni["received_stats"]["get"] >= 1 and ni["sent_stats"]["get"] >= 1, ni
    client.del_drop_rules()
    assert client.ping(s0) == [s0]
