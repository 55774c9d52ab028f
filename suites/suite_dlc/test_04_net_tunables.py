"""net add tunables (--peer-credits, --peer-timeout, --credits, --peer-buffer-credits,
--conns-per-peer, --tos) show in net show -v; a net's tunables are fixed by its first NI
(LNET.md §3.2); one interface can serve two nets (tcp and tcp1, same address, NIDs differ only
by the net number, §4.2); net add --nid picks the interface owning the address; an unparsable
tunable is ignored."""

from dlc_helpers import configured


def run():
    node = configured("OSS")
    node.add_net("tcp1", "eth0", peer_credits=16, peer_timeout=100, credits=512, peer_buffer_credits=4,
                 conns_per_peer=2, tos=5)
    (ni,) = node.nets(verbose=1, net="tcp1")[0]["local NI(s)"]
    assert ni["nid"] == node.nid("eth0", "tcp1"), ni
    assert ni["tunables"] == {"peer_timeout": 100, "peer_credits": 16, "peer_buffer_credits": 4, "credits": 512}, ni
    assert ni["lnd tunables"]["conns_per_peer"] == 2 and ni["lnd tunables"]["tos"] == 5, ni["lnd tunables"]

    # A second NI on tcp1 with other tunables: the net keeps the first NI's.
    node.add_net("tcp1", "eth1", peer_credits=32, credits=64)
    nis = node.nets(verbose=1, net="tcp1")[0]["local NI(s)"]
    assert [n["nid"] for n in nis] == [node.nid("eth0", "tcp1"), node.nid("eth1", "tcp1")], nis
    for n in nis:
        assert n["tunables"]["peer_credits"] == 16 and n["tunables"]["credits"] == 512, n

    # The same interface on tcp (default tunables): a separate net, same address, @tcp.
    node.add_net("tcp", "eth0")
    nets = node.nets(verbose=1)
    assert [n["net type"] for n in nets] == ["lo", "tcp1", "tcp"], [n["net type"] for n in nets]
    (tcp,) = nets[2]["local NI(s)"]
    assert tcp["nid"] == node.nid("eth0", "tcp") and tcp["interfaces"] == {"0": "eth0"}, tcp
    assert tcp["tunables"] == {"peer_timeout": 180, "peer_credits": 8, "peer_buffer_credits": 0, "credits": 256}, tcp
    assert sorted(node.nids()) == sorted([node.nid("eth0", "tcp1"), node.nid("eth1", "tcp1"), node.nid("eth0")])

    # --nid ADDR@NET: the NI goes on the interface owning that address; an unparsable tunable is
    # silently ignored (default kept).
    node.lnetctl("net", "add", "--nid", node.nid("eth1", "tcp2"), "--peer-credits", "lots")
    (ni,) = node.nets(verbose=1, net="tcp2")[0]["local NI(s)"]
    assert ni["nid"] == node.nid("eth1", "tcp2") and ni["interfaces"] == {"0": "eth1"}, ni
    assert ni["tunables"]["peer_credits"] == 8, ni
