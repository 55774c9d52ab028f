"""Two guests ping each other over the kernels' socklnd and run a short lnet_selftest brw write
from one to the other: traffic crosses the switch between the guests (the server's NI counts
what it received)."""

import lutf
from lutf.lnet import LNet
from lutf.selftest import Selftest


def run():
    a, b = lutf.require_agents(2)
    la, lb = LNet(target=a), LNet(target=b)
    for node in (la, lb):
        node.configure()
        node.add_net("tcp", "eth0")
    na, nb = la.nid("eth0"), lb.nid("eth0")
    assert la.ping(nb) == [nb]
    assert lb.ping(na) == [na]
    for node in (la, lb):
        node.load_selftest()
    before = lb.ni(nb, verbose=1)["statistics"]["recv_count"]
    result = Selftest(target=a).run([na], [nb], mode="write", size="64K", concurrency=2, seconds=1)
    assert result["errors"] == 0, result
    after = lb.ni(nb, verbose=1)["statistics"]["recv_count"]
    assert after > before + 10, (before, after)
