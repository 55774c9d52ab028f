"""Single-NID syntax (LNET.md §5.1/§5.2) as peer add canonicalises it: IPv6 in inet_ntop form and
hex ranges in IPv6 addresses, `tcp01` = tcp1, numeric nets in decimal, a missing @NET = @tcp for
--prim_nid; 127.0.0.1@tcp accepted as a primary; refused: IPv6 link-local in a list, a
space-separated list. An IPv6 range is read in hex and written in decimal ([a-c]: ::10-::12)."""

from dlc_helpers import configured, expect_error, peer_nids


def run():
    node = configured("client")
    node.add_net("tcp", "eth0")
    node.add_peer("2001:0db8:0:0::1@tcp", ["2001:db8::[a-c]@tcp,1.2.3.4@tcp01,0x1f@gni"])
    peer = node.peer("2001:db8::1@tcp")
    assert peer["primary nid"] == "2001:db8::1@tcp", peer
    assert peer_nids(peer) == ["2001:db8::1@tcp", "2001:db8::10@tcp", "2001:db8::11@tcp", "2001:db8::12@tcp",
                               "1.2.3.4@tcp1", "31@gni"], peer_nids(peer)
    node.add_peer("192.0.2.5")
    assert node.peer("192.0.2.5@tcp")["primary nid"] == "192.0.2.5@tcp"

    node.add_peer("127.0.0.1@tcp")  # a loopback address is a valid tcp NID
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.9@tcp", "--nid", "fe80::1@tcp"], -22,
                 '"Unable to parse nidlist: invalid NID in nidstr"')
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.9@tcp", "--nid", "192.0.2.10@tcp 192.0.2.11@tcp"],
                 -22, '"Unable to parse nidlist: invalid NID in nidstr"')
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.9@tcp", "--nid", "<?>@tcp"], -22,
                 '"Unable to parse nidlist: LNET_ANY_NID is unsupported"')
    assert [p["primary nid"] for p in node.peers()] == ["2001:db8::1@tcp", "192.0.2.5@tcp", "127.0.0.1@tcp"], \
        node.peers()
