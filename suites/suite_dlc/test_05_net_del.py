"""net del: one NI (--if), a whole net, by --nid; the errors of LNET.md §3.3; and the effect on
routes and peers (§4.6): routes via a gateway on the deleted net go; a peer with no NI left on a
local net goes; a peer that still has an NI on another local net keeps all its NIs and its primary
moves there (unless locked); peers on nets never local stay."""

from dlc_helpers import configured, expect_error, expect_raw, net_types, peer_nids


def run():
    node = configured("MDS")
    node.add_net("tcp", ["eth0", "eth1"])
    node.add_net("tcp1", "eth1")
    e0, e1, t1 = node.nid("eth0"), node.nid("eth1"), node.nid("eth1", "tcp1")

    # Errors, each leaving the nets as they are.
    expect_error(node, ["net", "del", "--net", "tcp5"], -22, "cannot del network")
    expect_error(node, ["net", "del", "--net", "tcp5", "--if", "eth0"], -19, "LNet net doesn't exist")
    expect_error(node, ["net", "del", "--net", "tcp1", "--if", "eth0"], -19, "cannot del LNet NI")
    expect_error(node, ["net", "del", "--nid", "192.0.2.77@tcp"], -2, "cannot del LNet NI")
    expect_error(node, ["net", "del", "--net", "lo"], -19, "setting @lo not allowed")
    expect_raw(node, ["net", "del", "--if", "eth0"], 234, stdout="missing mandatory parameters in NI config: 'network'\n")
    assert sorted(node.nids()) == sorted([e0, e1, t1]), node.nids()

    # One NI of a two-NI net: the other stays.
    node.del_net("tcp", "eth0")
    tcp = node.nets(net="tcp")[0]["local NI(s)"]
    assert [n["nid"] for n in tcp] == [e1], tcp

    # By NID: the last NI of tcp goes, and tcp with it.
    node.lnetctl("net", "del", "--nid", e1)
    assert net_types(node) == ["lo", "tcp1"], node.nets()

    # Routes and peers on tcp1, then delete the whole net.
    node.add_net("tcp", "eth0")
    node.add_route("tcp7", "192.0.2.1@tcp1")            # gateway on tcp1: goes with tcp1
    node.add_route("tcp8", "192.0.2.1@tcp")             # gateway on tcp: stays
    node.add_peer("192.0.2.2@tcp1", ["192.0.2.3@tcp1"])  # primary on tcp1, no other local net: goes
    node.add_peer("192.0.2.4@tcp", ["192.0.2.5@tcp1"])  # also on tcp: kept whole
    node.add_peer("192.0.2.7@tcp1", ["192.0.2.8@tcp"])  # primary on tcp1, also on tcp: primary moves
    node.add_peer("192.0.2.9@tcp1", ["192.0.2.10@tcp"], lock=True)  # same, locked: primary stays
    node.add_peer("192.0.2.6@o2ib")                      # never-local net: untouched
    node.del_net("tcp1")
    assert net_types(node) == ["lo", "tcp"], node.nets()
    routes = node.routes()
    assert [(r["net"], r["gateway"]) for r in routes] == [("tcp8", "192.0.2.1@tcp")], routes
    peers = {p["primary nid"]: peer_nids(p) for p in node.peers()}
    assert "192.0.2.2@tcp1" not in peers, peers
    assert peers.get("192.0.2.4@tcp") == ["192.0.2.4@tcp", "192.0.2.5@tcp1"], peers
    # (Its NIs keep the order they were added in, the new primary second, on 6.1.)
    assert peers.get("192.0.2.8@tcp") == ["192.0.2.7@tcp1", "192.0.2.8@tcp"], peers
    assert peers.get("192.0.2.9@tcp1") == ["192.0.2.9@tcp1", "192.0.2.10@tcp"], peers
    assert peers.get("192.0.2.6@o2ib") == ["192.0.2.6@o2ib"], peers
