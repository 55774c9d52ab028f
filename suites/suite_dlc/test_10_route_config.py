"""route add/del/show configuration and every error of LNET.md §3.10's table (errno, descr, exit
234, client-side "missing mandatory parameters" messages); route show -v keys and defaults (hop
-1, priority 0, state down for a gateway that does not answer, multi-hop); a gateway range gives
one route per NID; the gateway becomes a non-configured, non-MR peer; filters of route show
(--priority filters nothing on 6.1)."""

from dlc_helpers import configured, expect_error, expect_raw


def run():
    node = configured("MDS")
    node.add_net("tcp", "eth0")
    add = ["route", "add"]

    expect_error(node, add + ["--net", "foo", "--gateway", "192.0.2.1@tcp"], -6, "setting LNET_NET_ANY not allowed")
    expect_error(node, add + ["--net", "lo", "--gateway", "192.0.2.1@tcp"], -13, "setting @lo not allowed")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.300@tcp"], -22,
                 '"Unable to parse nidlist: invalid NID in nidstr"')
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.[3-1]@tcp"], -34,
                 '"Unable to parse nidlist: range is wrong order"')
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.[256-257]@tcp"], -19, "cannot parse gateway")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp", "--hop", "0"], -22,
                 "invalid hop count must be between 1 and 255")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp", "--hop", "256"], -22,
                 "invalid hop count must be between 1 and 255")
    # Priority -1 is no priority: the route is added with priority 0 (6.1).
    expect_raw(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp", "--priority", "-1"], 0, stderr="")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "0@lo"], -22, "invalid settings for route creation")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp2"], -22,
                 "invalid settings for route creation")
    node.add_net("tcp1", "eth1")  # a second local net, as the "remote" net of a route
    expect_error(node, add + ["--net", "tcp1", "--gateway", "192.0.2.1@tcp"], -17,
                 "Route already exists or the specified network is local")
    node.del_net("tcp1")
    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp3"], -113,
                 "No interface configured on the same net as gateway")
    expect_raw(node, add, 234, stdout="missing mandatory parameters:'net , gateway'\n")
    expect_raw(node, add + ["--gateway", "192.0.2.1@tcp"], 234, stdout="missing mandatory parameters:'net'\n")
    expect_raw(node, add + ["--net", "tcp2"], 234, stdout="missing mandatory parameters:'gateway'\n")
    expect_raw(node, ["route", "del", "--net", "tcp2"], 234, stdout="missing mandatory parameters:'gateway'\n")
    # Only the priority -1 route was added; its gateway, which nothing answers, is a peer whose
    # NI the router checker found down.
    assert [(r["net"], r["gateway"]) for r in node.routes()] == [("tcp2", "192.0.2.1@tcp")], node.routes()
    gateways = node.peers()
    assert [(p["primary nid"], [ni["state"] for ni in p["peer ni"]]) for p in gateways] == [
        ("192.0.2.1@tcp", ["down"])], gateways

    expect_error(node, add + ["--net", "tcp2", "--gateway", "192.0.2.1@tcp"], -17,
                 "Route already exists or the specified network is local")
    node.add_route("tcp3", "192.0.2.[5-6]@tcp", hop=3, priority=2)

    routes = node.routes()
    assert all(list(r) == ["net", "gateway"] for r in routes), routes
    assert sorted((r["net"], r["gateway"]) for r in routes) == [
        ("tcp2", "192.0.2.1@tcp"), ("tcp3", "192.0.2.5@tcp"), ("tcp3", "192.0.2.6@tcp")], routes
    verbose = {(r["net"], r["gateway"]): r for r in node.routes(verbose=True)}
    r2 = verbose[("tcp2", "192.0.2.1@tcp")]
    assert list(r2) == ["net", "gateway", "hop", "priority", "state", "type"], r2
    assert (r2["hop"], r2["priority"], r2["state"], r2["type"]) == (-1, 0, "down", "multi-hop"), r2
    r3 = verbose[("tcp3", "192.0.2.6@tcp")]
    assert (r3["hop"], r3["priority"]) == (3, 2), r3
    # Filters.
    assert [r["gateway"] for r in node.lnetctl("route", "show", "--net", "tcp2")["route"]] == ["192.0.2.1@tcp"]
    # --priority is accepted and does not filter (6.1).
    assert sorted(r["gateway"] for r in node.lnetctl("route", "show", "--priority", "2")["route"]) == [
        "192.0.2.1@tcp", "192.0.2.5@tcp", "192.0.2.6@tcp"]
    # Gateways are non-configured, non-MR peers.
    peers = {p["primary nid"]: p for p in node.peers(verbose=3)}
    assert sorted(peers) == ["192.0.2.1@tcp", "192.0.2.5@tcp", "192.0.2.6@tcp"], peers
    assert peers["192.0.2.1@tcp"]["Multi-Rail"] is False and not peers["192.0.2.1@tcp"]["peer state"] & 0x8, peers
    # A net that has a route cannot become local (-87).
    expect_error(node, ["net", "add", "--net", "tcp2", "--if", "eth1"], -87, "cannot add LNet NI")

    # route del: unknown remote net -2; a gateway not routing that net is a silent success.
    expect_error(node, ["route", "del", "--net", "tcp9", "--gateway", "192.0.2.1@tcp"], -2, "failed to delete route")
    node.del_route("tcp2", "192.0.2.99@tcp")
    assert len(node.routes()) == 3
    node.del_route("tcp3", "192.0.2.[5-6]@tcp")
    assert [(r["net"], r["gateway"]) for r in node.routes()] == [("tcp2", "192.0.2.1@tcp")], node.routes()
