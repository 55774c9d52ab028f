"""A drop rule on the server dropping everything from the client makes selftest errors appear
(error nodes > 0, no data received by the server), lowers the server's peer NI health on the
client and counts drops; with the rule gone a new run is clean again."""

from st_helpers import Selftest, on_tcp


def run():
    (client, c0), (server, s0) = on_tcp("client", "OSS")
    server.add_drop_rule(c0, "*", rate=1)
    console = Selftest(target=client.target)
    result = console.run([c0], [s0], mode="write", size="4k", concurrency=2, seconds=1)
    assert result["errors"] > 0, result
    assert result["servers"]["rates"]["R"]["avg"] == 0, result
    peer = client.peer(s0, verbose=2)
    assert peer is not None, client.peers()
    health = peer["peer ni"][0]["health stats"]["health value"]
    assert health < 1000, peer
    assert client.stats()["drop_count"] > 0 or server.stats()["drop_count"] > 0, (client.stats(), server.stats())

    server.del_drop_rules()
    result = console.run([c0], [s0], mode="write", size="4k", concurrency=2, seconds=1)
    assert result["errors"] == 0 and result["servers"]["rates"]["R"]["avg"] > 0, result
