"""A configured Multi-Rail peer (peer add --prim_nid A --nid B for a node with NIs A and B): the
peer shows Multi-Rail true with both NIDs; pinging either NID works and returns both NIDs of the
node; the traffic is counted on the peer's NIs (real LNet sends to whichever NI of a Multi-Rail
peer it selects, whatever NID was pinged); the configured peer keeps exactly its
NIDs (discovery does not change configured peers, LNET.md §4.3)."""

from mr_helpers import multi_rail_node, peer_nids, single_rail_node


def run():
    server, (s0, s1) = multi_rail_node("OSS")
    client, c0 = single_rail_node("client")
    client.add_peer(s0, [s1])
    peer = client.peer(s0)
    assert peer["primary nid"] == s0 and peer["Multi-Rail"] is True, peer
    assert peer_nids(peer) == [s0, s1], peer

    for target in (s0, s1, s1):
        answered = client.ping(target)
        assert sorted(answered) == sorted([s0, s1]), answered
    stats = {ni["nid"]: ni["statistics"] for ni in client.peer(s0, verbose=1)["peer ni"]}
    assert stats[s0]["send_count"] + stats[s1]["send_count"] >= 3, stats
    assert stats[s0]["recv_count"] + stats[s1]["recv_count"] >= 3, stats
    # Still exactly the configured peer.
    peers = client.peers()
    assert [(p["primary nid"], peer_nids(p)) for p in peers] == [(s0, [s0, s1])], peers
    # The server learnt the client as a peer from the traffic.
    assert c0 in server.peer_nids(c0), server.peers()
