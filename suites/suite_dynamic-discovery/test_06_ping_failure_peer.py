"""A ping that cannot reach its NID fails with exit 255 and a manage: block printed with indent 2,
naming why the way the kernel's socklnd found out: off every local subnet "Network is unreachable"
(-101) at once, on a local subnet with no host there "No route to host" (-113); either way a
non-configured peer for that NID is left. A ping with several targets reports each: the reachable
one under ping:, the lost one under manage:. (Real LNet, 6.1 / lustre c881f8eb.)"""

from dd_helpers import node_on, summary


def run():
    server, (s0,) = node_on("MDS", ["eth0"])
    client, _ = node_on("client", ["eth0"])
    far = "192.0.2.251@tcp"
    result = client.lnetctl_raw("ping", far, "--timeout", "2")
    assert result["rc"] == 255, result
    assert result["stdout"] == ("manage:\n- ping:\n  errno: -101\n  descr: ! 'failed to ping %s: Network is unreachable'\n"
                                % far), result["stdout"]
    assert summary(client) == [(far, False, [far])], summary(client)

    near = s0.split(".")[0] + "." + s0.split(".")[1] + ".0.250@tcp"   # on eth0's subnet, no host
    result = client.lnetctl_raw("ping", s0, near, "--timeout", "2")
    assert result["rc"] == 255, result
    out = result["stdout"]
    assert out.startswith("ping:\n- primary nid: %s\n" % s0), out
    assert "manage:\n- ping:\n  errno: -113\n  descr: ! 'failed to ping %s: No route to host'\n" % near in out, out
    assert [p[0] for p in summary(client)] == [far, s0, near], summary(client)
