"""A ping to an unreachable NID fails with exit 255 and a manage: block "failed to ping <nid>:
Connection timed out" (errno -110) printed with indent 2 (LNET.md §3.15), and still leaves a
non-configured peer for that NID (§4.4); a ping with several targets reports each: the reachable
one under ping:, the lost one under manage:."""

from dd_helpers import node_on, summary


def run():
    server, (s0,) = node_on("MDS", ["eth0"])
    client, _ = node_on("client", ["eth0"])
    lost = "192.0.2.251@tcp"
    result = client.lnetctl_raw("ping", lost, "--timeout", "2")
    assert result["rc"] == 255, result
    assert result["stdout"] == ("manage:\n- ping:\n  errno: -110\n  descr: ! 'failed to ping %s: Connection timed out'\n"
                                % lost), result["stdout"]
    assert summary(client) == [(lost, False, [lost])], summary(client)

    result = client.lnetctl_raw("ping", s0, lost, "--timeout", "2")
    assert result["rc"] == 255, result
    out = result["stdout"]
    assert out.startswith("ping:\n- primary nid: %s\n" % s0), out
    assert "manage:\n- ping:\n  errno: -110\n" in out, out
    assert [p[0] for p in summary(client)] == [lost, s0], summary(client)
