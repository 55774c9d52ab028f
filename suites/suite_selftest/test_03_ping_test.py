"""lst ping test between two nodes: RPC rates > 0 both ways (clients W, servers R), small
bandwidth, no error node; the console can be a third node that takes no part."""

from st_helpers import Selftest, on_tcp


def run():
    (client, c0), (server, s0), (console, _) = on_tcp("client", "OSS", "MDS")
    result = Selftest(target=console.target).run([c0], [s0], test="ping", concurrency=2, seconds=1)
    assert result["errors"] == 0, result
    assert result["clients"]["rates"]["W"]["avg"] > 0 and result["servers"]["rates"]["R"]["avg"] > 0, result
    # A ping RPC carries no bulk data: far less bandwidth than RPCs x 1 MiB.
    assert result["clients"]["bandwidth"]["W"]["avg"] < result["clients"]["rates"]["W"]["avg"], result
