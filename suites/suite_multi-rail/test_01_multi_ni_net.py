"""Two interfaces on one net (eth0 and eth1 in tcp): one `tcp` net holding two NIs in creation
order, both up, each with its own interface, sharing the net's tunables; list_nids has both;
adding the second NI by itself appends it (LNET.md §3.2); deleting one NI keeps the other."""

import lutf

from mr_helpers import LNet


def run():
    node = LNet(target=lutf.get_target("OSS"))
    eth0, eth1 = node.require_interfaces(2)
    node.configure()
    node.add_net("tcp", eth0, peer_credits=32)
    node.add_net("tcp", eth1)   # appended to the existing net (Multi-Rail)
    nets = node.nets(verbose=1)
    assert [n["net type"] for n in nets] == ["lo", "tcp"], nets
    nis = nets[1]["local NI(s)"]
    assert [ni["nid"] for ni in nis] == [node.nid(eth0), node.nid(eth1)], nis
    assert [ni["interfaces"] for ni in nis] == [{"0": eth0}, {"0": eth1}], nis
    assert all(ni["status"] == "up" for ni in nis), nis
    assert all(ni["tunables"]["peer_credits"] == 32 for ni in nis), nis  # fixed by the first NI
    assert node.nids() == [node.nid(eth0), node.nid(eth1)], node.nids()

    node.del_net("tcp", eth0)
    nis = node.nets(net="tcp")[0]["local NI(s)"]
    assert [ni["nid"] for ni in nis] == [node.nid(eth1)], nis
    assert node.nids() == [node.nid(eth1)]

    # Both at once with a list.
    node.del_net("tcp")
    node.add_net("tcp", [eth0, eth1])
    assert node.nids() == [node.nid(eth0), node.nid(eth1)], node.nids()
