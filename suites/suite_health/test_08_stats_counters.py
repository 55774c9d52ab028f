"""stats show lists the 26 counters of LNET.md §3.14 in order; pings move send_count/recv_count on
both ends (and the NIs' counters and per-kind GET/REPLY stats, a sent REPLY counted as a GET
as 6.1 does); stats reset zeroes them all."""

from health_helpers import pair

KEYS = ["msgs_alloc", "msgs_max", "rst_alloc", "errors", "send_count", "resend_count", "response_timeout_count",
        "local_interrupt_count", "local_dropped_count", "local_aborted_count", "local_no_route_count",
        "local_timeout_count", "local_error_count", "remote_dropped_count", "remote_error_count",
        "remote_timeout_count", "network_timeout_count", "failed_resends", "successful_resends", "recv_count",
        "route_count", "drop_count", "send_length", "recv_length", "route_length", "drop_length"]


def run():
    client, (c0,), server, (s0,) = pair()
    stats = client.stats()
    assert list(stats) == KEYS, list(stats)
    c_before, s_before = client.stats(), server.stats()
    for _ in range(3):
        client.ping(s0)
    c_after, s_after = client.stats(), server.stats()
    assert c_after["send_count"] - c_before["send_count"] >= 3, (c_before, c_after)
    assert c_after["recv_count"] - c_before["recv_count"] >= 3, (c_before, c_after)
    assert s_after["send_count"] - s_before["send_count"] >= 3, (s_before, s_after)
    assert s_after["recv_count"] - s_before["recv_count"] >= 3, (s_before, s_after)
    ni = client.ni(c0, verbose=2)
    assert ni["sent_stats"]["get"] >= 3 and ni["received_stats"]["reply"] >= 3, ni
    ni = server.ni(s0, verbose=2)
    # 6.1 counts the REPLY it sends under sent_stats' get (its received_stats count it as a reply).
    assert ni["received_stats"]["get"] >= 3 and ni["sent_stats"]["get"] >= 3, ni

    client.reset_stats()
    assert all(value == 0 for value in client.stats().values()), client.stats()
    assert server.stats()["recv_count"] >= 3   # only the client's were reset
