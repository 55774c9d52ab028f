"""Discovering a multi-NI node from a NID that is not its first: the local peer gets both NIDs,
Multi-Rail true, and the primary is the first NID of the node's ping reply (LNET.md §4.4); the
discover output lists the local peer's NIDs. With NIs on two nets (tcp and tcp1) the peer holds
both, the primary's net first."""

import lutf

from mr_helpers import LNet, multi_rail_node, peer_nids, single_rail_node


def run():
    server, (s0, s1) = multi_rail_node("OSS")
    client, _ = single_rail_node("client")
    listed = client.discover(s1)
    assert listed == [s0, s1], listed
    peer = client.peer(s1)
    assert peer["primary nid"] == s0 and peer["Multi-Rail"] is True and peer_nids(peer) == [s0, s1], peer
    assert len(client.peers()) == 1, client.peers()

    # A node on tcp (eth0) and tcp1 (eth1), seen by a node on both nets.
    other = LNet(target=lutf.get_target("MDS", distinct=True))
    eth0, eth1 = other.require_interfaces(2)
    other.configure()
    other.add_net("tcp", eth0)
    other.add_net("tcp1", eth1)
    client.add_net("tcp1", "eth1")
    m0, m1 = other.nid(eth0, "tcp"), other.nid(eth1, "tcp1")
    client.discover(m1)
    peer = client.peer(m1)
    assert peer["Multi-Rail"] is True and peer["primary nid"] == m0 and peer_nids(peer) == [m0, m1], peer
