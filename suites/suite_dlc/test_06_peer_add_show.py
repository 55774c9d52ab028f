"""peer add / peer show / peer list: a configured peer is Multi-Rail with its primary first, then
the other NIs of the primary's net in insertion order, then other nets in first-seen order
(LNET.md §3.8); -v levels add keys in the documented order; peer state bits show CONFIGURED|
MULTI_RAIL (and LOCK_PRIMARY with --lock_prim); --nid of any NI shows the whole peer; credits
are the local net's peer_credits, 0 on non-local nets; re-adding is silent; --non_mr has no effect; --force on add locks the primary."""

from dlc_helpers import configured, expect_raw, peer_nids

LEVEL1 = ["nid", "state", "max_ni_tx_credits", "available_tx_credits", "min_tx_credits", "tx_q_num_of_buf",
          "available_rtr_credits", "min_rtr_credits", "refcount", "statistics"]
LEVEL2 = LEVEL1 + ["sent_stats", "received_stats", "dropped_stats", "health stats"]
HEALTH = ["health value", "dropped", "timeout", "error", "network timeout", "ping_count", "next_ping"]


def run():
    node = configured("client")
    node.add_net("tcp", "eth0", peer_credits=16)

    # No peers: no output at all, exit 0.
    expect_raw(node, ["peer", "show"], 0, stdout="")
    node.add_peer("192.0.2.10@tcp", ["192.0.2.11@o2ib", "192.0.2.12@tcp", "192.0.2.13@tcp1", "192.0.2.14@o2ib"])
    node.add_peer("192.0.2.20@tcp", lock=True)
    node.lnetctl("peer", "add", "--prim_nid", "192.0.2.30@tcp", "--non_mr")

    peers = node.peers()
    assert [p["primary nid"] for p in peers] == ["192.0.2.10@tcp", "192.0.2.20@tcp", "192.0.2.30@tcp"], peers
    first = peers[0]
    assert list(first) == ["primary nid", "Multi-Rail", "peer ni"], first
    assert first["Multi-Rail"] is True, first
    # Primary, its net's others, then o2ib (seen first), then tcp1.
    assert peer_nids(first) == ["192.0.2.10@tcp", "192.0.2.12@tcp", "192.0.2.11@o2ib", "192.0.2.14@o2ib",
                                "192.0.2.13@tcp1"], peer_nids(first)
    assert all(list(ni) == ["nid", "state"] and ni["state"] == "NA" for ni in first["peer ni"]), first
    assert peers[2]["Multi-Rail"] is True, peers[2]  # --non_mr has no effect via Netlink (§3.6)

    # Exact text of a configured peer, level 0 (Printer A, indent 6).
    text = node.lnetctl_raw("peer", "show", "--nid", "192.0.2.20@tcp")["stdout"]
    assert text == ("peer:\n"
                    "-     primary nid: 192.0.2.20@tcp\n"
                    "      Multi-Rail: true\n"
                    "      peer ni:\n"
                    "      -     nid: 192.0.2.20@tcp\n"
                    "            state: NA\n"), text

    # Any NID of the peer shows the whole peer.
    assert node.peer_nids("192.0.2.13@tcp1")[0] == "192.0.2.10@tcp"
    # peer list: only primaries.
    listed = node.lnetctl("peer", "list")["peer list"]
    assert [p["nid"] for p in listed] == ["192.0.2.10@tcp", "192.0.2.20@tcp", "192.0.2.30@tcp"], listed

    # -v: credits from the local net (16), 0 on nets that are not local.
    v1 = node.peer("192.0.2.10@tcp", verbose=1)
    nis = {ni["nid"]: ni for ni in v1["peer ni"]}
    assert list(nis["192.0.2.10@tcp"]) == LEVEL1, list(nis["192.0.2.10@tcp"])
    assert nis["192.0.2.10@tcp"]["max_ni_tx_credits"] == 16, nis["192.0.2.10@tcp"]
    assert nis["192.0.2.10@tcp"]["available_rtr_credits"] == 16, nis["192.0.2.10@tcp"]
    assert nis["192.0.2.11@o2ib"]["max_ni_tx_credits"] == 0, nis["192.0.2.11@o2ib"]
    # -v 2: per-kind stats and health stats (health 1000).
    v2 = node.peer("192.0.2.10@tcp", verbose=2)["peer ni"][0]
    assert list(v2) == LEVEL2, list(v2)
    assert list(v2["health stats"]) == HEALTH and v2["health stats"]["health value"] == 1000, v2["health stats"]
    # -v 3: peer state bits. MULTI_RAIL 0x1 | CONFIGURED 0x8, plus LOCK_PRIMARY 0x100000.
    v3 = {p["primary nid"]: p for p in node.peers(verbose=3)}
    assert list(v3["192.0.2.10@tcp"])[:3] == ["primary nid", "Multi-Rail", "peer state"], v3["192.0.2.10@tcp"]
    state = v3["192.0.2.10@tcp"]["peer state"]
    assert state & 0x9 == 0x9 and not state & 0x100000, state
    assert v3["192.0.2.20@tcp"]["peer state"] & 0x100009 == 0x100009, v3["192.0.2.20@tcp"]

    # --force on add behaves exactly like --lock_prim (§3.6).
    node.lnetctl("peer", "add", "--prim_nid", "192.0.2.40@tcp", "--force")
    locked = [p for p in node.peers(verbose=3) if p["primary nid"] == "192.0.2.40@tcp"][0]
    assert locked["peer state"] & 0x100000, locked
    node.del_peer("192.0.2.40@tcp", force=True)

    # Re-adding an identical peer, or an NID it already has, succeeds and changes nothing.
    node.add_peer("192.0.2.10@tcp", ["192.0.2.12@tcp"])
    assert peer_nids(node.peer("192.0.2.10@tcp")) == peer_nids(first)
    assert len(node.peers()) == 3
