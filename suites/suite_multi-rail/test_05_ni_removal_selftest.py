"""Removing an NI while selftest traffic runs: a server with two NIs on tcp loses its second NI in
the middle of a 2-second brw write from a client; the test completes with no error node, the
client keeps sending (rates and bandwidth > 0) and the server's remaining NI received it. Both
nodes have one net per rail (tcp on eth0, tcp1 on eth1): each interface is its own network (as on
the guests), and with both rails on one net real LNet pairs NIs across rails, whose messages time
out (lst's session RPC did)."""

import threading
import time

from lutf.selftest import Selftest

from mr_helpers import ni_counts, rail_per_net_node


def run():
    server, (s0, s1) = rail_per_net_node("OSS")
    client, (c0, _) = rail_per_net_node("client")
    server.load_selftest()  # lst's session reaches only nodes with lnet_selftest (-110 otherwise)
    client.discover(s0)  # the client knows the server as one MR peer
    before = ni_counts(server, s0)
    received = lambda: ni_counts(server, s0)[1] + ni_counts(server, s1)[1]  # noqa: E731
    received_before = received()
    result = {}

    def traffic():
        try:
            result["stats"] = Selftest(target=client.target).run([c0], [s0], mode="write", size="1M", seconds=2)
        except Exception as error:  # reported below
            result["error"] = error

    worker = threading.Thread(target=traffic)
    worker.start()
    # Remove the NI once traffic has reached the server (either NI), not before. Setting up the
    # lst session takes 10-20 s on real LNet under emulation.
    deadline = time.monotonic() + 60
    while received() <= received_before and worker.is_alive():
        assert time.monotonic() < deadline, "no selftest traffic reached %s or %s within 60 s" % (s0, s1)
        time.sleep(0.05)
    assert worker.is_alive(), "selftest ended before the NI could be removed under traffic: %r" % result
    server.del_net("tcp1")
    worker.join(30)
    assert not worker.is_alive(), "selftest did not finish"
    assert "error" not in result, result.get("error")
    stats = result["stats"]
    assert stats["errors"] == 0, stats
    assert stats["clients"]["rates"]["W"]["avg"] > 0 and stats["clients"]["bandwidth"]["W"]["avg"] > 0, stats
    assert stats["servers"]["bandwidth"]["R"]["avg"] > 0, stats
    assert server.nids() == [s0], server.nids()
    after = ni_counts(server, s0)
    assert after[1] > before[1], (before, after)
    assert client.ping(s0) == [s0]
