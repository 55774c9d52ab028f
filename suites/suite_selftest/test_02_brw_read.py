"""brw read: the data flows back from the servers, so the servers' W bandwidth and the clients' R
bandwidth are > 0 while the clients still issue the RPCs (W rates > 0); no error node."""

from st_helpers import Selftest, on_tcp


def run():
    (client, c0), (server, s0) = on_tcp("client", "MDS")
    result = Selftest(target=client.target).run([c0], [s0], test="brw", mode="read", size="64k", concurrency=4,
                                                seconds=1)
    assert result["errors"] == 0, result
    assert result["clients"]["rates"]["W"]["avg"] > 0, result
    assert result["servers"]["bandwidth"]["W"]["avg"] > 0, result
    assert result["clients"]["bandwidth"]["R"]["avg"] > 0, result
    assert result["servers"]["bandwidth"]["R"]["avg"] < result["servers"]["bandwidth"]["W"]["avg"], result
