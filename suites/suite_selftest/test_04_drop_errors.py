"""A drop rule on the server dropping everything from the client: lst's session RPC to the server
(a GET) is lost, so the server cannot join the session (`add_group` fails after the RPC's timeout
with -110, "Group is deleted"), and the client's peer NI for the server times out once, losing
health; with the rule gone a new run moves data again. (Real LNet 6.1 / lustre c881f8eb: the rule
drops lst's own console RPCs, not only its brw traffic.)"""

from lutf.selftest import SelftestError

from st_helpers import Selftest, on_tcp

# lst waits for the lost session RPC's timeout: about 230 s on real LNet under emulation.
TIMEOUT = 600


def run():
    (client, c0), (server, s0) = on_tcp("client", "OSS")
    server.add_drop_rule(c0, "*", rate=1)
    console = Selftest(target=client.target)
    try:
        console.run([c0], [s0], mode="write", size="4k", concurrency=2, seconds=1)
        raise AssertionError("lst ran with every message from the client dropped")
    except SelftestError as error:
        assert "add_group servers" in str(error) and "Unknown error -110" in str(error), error
    peer = client.peer(s0, verbose=2)
    assert peer is not None, client.peers()
    health = peer["peer ni"][0]["health stats"]["health value"]
    assert health < 1000, peer
    assert client.stats()["response_timeout_count"] >= 1, client.stats()

    server.del_drop_rules()
    result = console.run([c0], [s0], mode="write", size="4k", concurrency=2, seconds=1)
    assert result["servers"]["rates"]["R"]["avg"] > 0, result
