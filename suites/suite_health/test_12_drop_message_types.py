"""Drop rules match message types (-m, LNET.md §3.19): an LNet ping is a GET answered by a REPLY,
so a PUT-only rule leaves pings alone (and counts nothing), a GET rule on the sender and a REPLY
rule on the sender (matching the reply coming back) both make them fail; fa_msg_mask shows the
bits (PUT 2, GET 4, REPLY 8)."""

from health_helpers import pair, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    client.add_drop_rule("*", "*", rate=1, messages=["PUT"])
    assert client.ping(s0) == [s0]
    (rule,) = client.drop_rules()
    assert rule["fa_msg_mask"] == 2 and rule["ds_dropped"] == 0 and rule["fs_count"] == 0, rule
    client.del_drop_rules()

    client.add_drop_rule(c0, s0, rate=1, messages=["GET"])
    ping_fails(client, s0)
    (rule,) = client.drop_rules()
    assert rule["fa_msg_mask"] == 4 and rule["ds_dropped"] == 1 and rule["fs_get"] == 1, rule
    client.del_drop_rules()

    client.add_drop_rule(s0, c0, rate=1, messages=["REPLY"])
    ping_fails(client, s0)
    (rule,) = client.drop_rules()
    assert rule["fa_msg_mask"] == 8 and rule["ds_dropped"] == 1 and rule["fs_reply"] == 1, rule
    # The server did get the GET and answer it.
    ni = server.ni(s0, verbose=2)
    assert ni["received_stats"]["get"] >= 1 and ni["sent_stats"]["reply"] >= 1, ni
    client.del_drop_rules()
    assert client.ping(s0) == [s0]
