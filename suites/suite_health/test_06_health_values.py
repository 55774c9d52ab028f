"""net set --health / peer set --health store the exact value (LNET.md §3.5, §3.9, §4.7): below
1000 the (peer) NI enters the recovery queue (debug recovery --local/--peer lists it), 0 shows
status down, 1000 up and out of recovery, values are not clamped (5000 keeps the status); --all covers every NI; an
unknown NID is silently ignored; net set --all with --nid, a NID without @, or peer set --state of
an unknown peer is the cYAML -22 block alone; peer set accepts --all with --nid."""

import time

from health_helpers import pair


def recovery(node, which):
    text = node.lnetctl_raw("debug", "recovery", which)["stdout"]
    return [line.split(": ", 1)[1] for line in text.splitlines() if line.strip().startswith("nid-")]


def settles(node, which, expected, timeout=10):
    """Waits until the recovery queue holds exactly ``expected`` (in any order): real LNet takes
    an NI out only at its next recovery ping (recovery_interval, 1 s)."""
    deadline = time.monotonic() + timeout
    while sorted(recovery(node, "--" + which)) != sorted(expected):
        assert time.monotonic() < deadline, "recovery --%s: %s, want %s" % (which, recovery(node, "--" + which),
                                                                            expected)
        time.sleep(0.2)  # the next look; the deadline bounds the wait


def run():
    client, (c0, c1), server, (s0,) = pair(client_interfaces=("eth0", "eth1"))
    # Health sensitivity 0: LNet's recovery pings (every recovery_interval) then add nothing to a
    # lowered health, so the values set stay what they are while they are looked at (with the
    # default 100, real LNet raises a 900 back to 1000 within a second).
    client.set_global("health_sensitivity", 0)
    settles(client, "local", [])
    client.set_ni_health(c0, 500)
    ni = client.ni(c0)
    assert ni["health stats"]["health value"] == 500 and ni["status"] == "up", ni
    text = client.lnetctl_raw("debug", "recovery", "--local")["stdout"]
    assert text == "Local NI recovery:\n      nid-0: %s\n" % c0, text
    client.set_ni_health(c0, 0)
    assert client.ni(c0)["status"] == "down"
    client.set_ni_health(c0, 1000)
    assert client.ni(c0)["status"] == "up"
    settles(client, "local", [])
    # Above the maximum: stored as given (6.1's netlink path does not clamp), and, as any value
    # but 0 and 1000, the status stays what it was. Set on an NI out of recovery, it stays until
    # a message on the NI succeeds (that clamps it to 1000); set on one in recovery (after a 0),
    # the next recovery ping would do that within seconds, so the test does not look there.
    client.set_ni_health(c0, 5000)
    ni = client.ni(c0)
    assert ni["health stats"]["health value"] == 5000 and ni["status"] == "up", ni
    assert recovery(client, "--local") == [], recovery(client, "--local")
    client.set_ni_health(c0, 1000)
    client.lnetctl("net", "set", "--all", "--health", "900")
    settles(client, "local", ["0@lo", c0, c1])   # 0@lo too, once its health is set
    assert client.ni("0@lo")["health stats"]["health value"] == 900   # --all includes 0@lo
    client.lnetctl("net", "set", "--nid", "192.0.2.99@tcp", "--health", "1")   # unknown: nothing
    assert client.ni(c0)["health stats"]["health value"] == 900

    # Peer NIs.
    client.ping(s0)
    client.set_peer_health(s0, 300)
    (ni,) = client.peer(s0, verbose=2)["peer ni"]
    assert ni["health stats"]["health value"] == 300, ni
    text = client.lnetctl_raw("debug", "recovery", "--peer")["stdout"]
    assert text == "Peer NI recovery:\n      nid-0: %s\n" % s0, text
    client.lnetctl("peer", "set", "--all", "--health", "1000")
    settles(client, "peer", [])

    block = "net:\n    - set:\n          errno: -22\n          descr: \n"
    for args in (["net", "set", "--all", "--nid", c0, "--health", "1"], ["net", "set", "--nid", "foo", "--health", "1"],
                 ["peer", "set", "--nid", "192.0.2.99@tcp", "--state", "1"]):
        result = client.lnetctl_raw(*args)
        assert (result["rc"], result["stderr"]) == (234, block), (args, result)
    # peer set takes --all with --nid (--all wins), where net set refuses it (6.1).
    result = client.lnetctl_raw("peer", "set", "--all", "--nid", s0, "--health", "1000")
    assert (result["rc"], result["stderr"]) == (0, ""), result
