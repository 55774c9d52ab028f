"""peer del: removing some NIDs of a peer, the whole peer (by --prim_nid, or by a --nid list holding
the primary), a gateway peer refused with -16, and the locked-primary rules of LNET.md §3.7/§4.3
(without --force only the other NIDs go, also when --nid names the primary; --force, or --lock_prim on del, deletes it)."""

from dlc_helpers import configured, expect_raw, peer_nids


def run():
    node = configured("MDS")
    node.add_net("tcp", "eth0")
    node.add_peer("192.0.2.1@tcp", ["192.0.2.2@tcp", "192.0.2.3@tcp", "192.0.2.4@tcp"])

    node.del_peer("192.0.2.1@tcp", ["192.0.2.3@tcp"])
    assert peer_nids(node.peer("192.0.2.1@tcp")) == ["192.0.2.1@tcp", "192.0.2.2@tcp", "192.0.2.4@tcp"]
    # --nid containing the primary deletes the whole peer.
    node.del_peer("192.0.2.1@tcp", ["192.0.2.2@tcp", "192.0.2.1@tcp"])
    assert node.peer("192.0.2.1@tcp") is None and node.peer("192.0.2.4@tcp") is None, node.peers()

    # Locked primary.
    node.add_peer("192.0.2.10@tcp", ["192.0.2.11@tcp", "192.0.2.12@tcp"], lock=True)
    node.del_peer("192.0.2.10@tcp")  # succeeds, only strips the other NIDs
    assert peer_nids(node.peer("192.0.2.10@tcp")) == ["192.0.2.10@tcp"], node.peers()
    node.add_peer("192.0.2.10@tcp", ["192.0.2.13@tcp"])
    node.del_peer("192.0.2.10@tcp", ["192.0.2.10@tcp"])  # --nid holding the primary: same thing
    assert peer_nids(node.peer("192.0.2.10@tcp")) == ["192.0.2.10@tcp"], node.peers()
    node.del_peer("192.0.2.10@tcp", force=True)
    assert node.peer("192.0.2.10@tcp") is None, node.peers()

    # --lock_prim on del behaves like --force.
    node.add_peer("192.0.2.30@tcp", ["192.0.2.31@tcp"], lock=True)
    node.lnetctl("peer", "del", "--prim_nid", "192.0.2.30@tcp", "--lock_prim")
    assert node.peer("192.0.2.30@tcp") is None and node.peer("192.0.2.31@tcp") is None, node.peers()

    # A gateway of a route cannot be deleted (-EBUSY in the kernel; 6.1's lnetctl prints nothing).
    node.add_route("tcp5", "192.0.2.20@tcp")
    expect_raw(node, ["peer", "del", "--prim_nid", "192.0.2.20@tcp"], 234, stdout="", stderr="")
    node.del_route("tcp5", "192.0.2.20@tcp")
    node.del_peer("192.0.2.20@tcp")
    assert node.peers() == [], node.peers()
