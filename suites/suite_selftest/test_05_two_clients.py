"""Two clients writing to one server: both clients send (min W rate > 0), the server receives
about the sum of what the clients send, and per-node min <= avg <= max holds."""

from st_helpers import Selftest, on_tcp


def run():
    (c1, n1), (c2, n2), (server, s0) = on_tcp("client", "MDS", "OSS")
    result = Selftest(target=c1.target).run([n1, n2], [s0], mode="write", size="1M", concurrency=4, seconds=1)
    assert result["errors"] == 0, result
    cw = result["clients"]["rates"]["W"]
    assert 0 < cw["min"] <= cw["avg"] <= cw["max"], cw
    sr = result["servers"]["rates"]["R"]
    assert abs(sr["avg"] - 2 * cw["avg"]) <= 0.1 * sr["avg"], "server received %s, clients sent %s each" % (sr, cw)
