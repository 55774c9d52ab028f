"""NID-range expansion of lnetctl lists (LNET.md §5.2) seen through peer add --nid: the leftmost
bracket is outermost, values come in written order, strides, comma lists, numeric-address nets,
several items in one list; and peer show keeps that insertion order within a net."""

from dlc_helpers import configured, peer_nids

CASES = [
    ("1.2.[1-2].[3-4]@tcp", ["1.2.1.3@tcp", "1.2.1.4@tcp", "1.2.2.3@tcp", "1.2.2.4@tcp"]),
    ("1.1.1.[9,1-6/2]@tcp", ["1.1.1.9@tcp", "1.1.1.1@tcp", "1.1.1.3@tcp", "1.1.1.5@tcp"]),
    ("4.4.4.[1-3]@tcp", ["4.4.4.1@tcp", "4.4.4.2@tcp", "4.4.4.3@tcp"]),
    ("5.5.5.[1,2,3-4]@o2ib", ["5.5.5.1@o2ib", "5.5.5.2@o2ib", "5.5.5.3@o2ib", "5.5.5.4@o2ib"]),
    ("[6-12/4]@gni", ["6@gni", "10@gni"]),
    ("[1,3,5]@kfi1", ["1@kfi1", "3@kfi1", "5@kfi1"]),
]


def run():
    node = configured("client")
    node.add_net("tcp", "eth0")
    # Several items, mixed nets (LNET.md's example): three NIDs; shown primary's net first, then gni.
    node.add_peer("192.0.2.200@tcp", ["1.1.1.1@tcp,[5-6]@gni"])
    assert peer_nids(node.peer("192.0.2.200@tcp")) == ["192.0.2.200@tcp", "1.1.1.1@tcp", "5@gni", "6@gni"]
    node.del_peer("192.0.2.200@tcp")
    for index, (nidlist, expanded) in enumerate(CASES):
        primary = "192.0.2.%d@tcp" % (100 + index)
        node.add_peer(primary, [nidlist])
        got = peer_nids(node.peer(primary))
        assert got[0] == primary and got[1:] == expanded, "%s expanded to %s, LNET.md says %s" % (nidlist, got[1:], expanded)

    # The primary given as a range item of --nid is still the primary, shown first.
    node.add_peer("192.0.2.210@tcp", ["192.0.2.[211-213]@tcp"])
    assert peer_nids(node.peer("192.0.2.212@tcp")) == [
        "192.0.2.210@tcp", "192.0.2.211@tcp", "192.0.2.212@tcp", "192.0.2.213@tcp"]
    # A hex number in a numeric net address is printed decimal (§5.1).
    node.add_peer("0x10@gni")
    assert node.peer("16@gni")["primary nid"] == "16@gni"
