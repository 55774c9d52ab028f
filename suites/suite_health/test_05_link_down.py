"""The server's interface goes down (LNet.set_link): its NI shows status down and fatal_error 1,
pings from the client fail (-5 "Input/output error", as on real LNet 6.1); with the link back up
the NI is up again and pings work."""

from health_helpers import pair, ping_fails


def run():
    client, (c0,), server, (s0,) = pair()
    assert client.ping(s0) == [s0]
    server.set_link("eth0", False)
    ni = server.ni(s0)
    assert ni["status"] == "down" and ni["health stats"]["fatal_error"] == 1, ni
    ping_fails(client, s0)
    ping_fails(client, s0)
    # The server cannot send either.
    ping_fails(server, c0, errno=None)

    server.set_link("eth0", True)
    ni = server.ni(s0)
    assert ni["status"] == "up" and ni["health stats"]["fatal_error"] == 0, ni
    assert client.ping(s0) == [s0]
    assert server.ping(c0) == [c0]
