"""Configures LNet on every node, pings between them, then fails: evidence must come from all."""

import lutf
from lutf.lnet import LNet


def run():
    nodes = lutf.require_agents(3)
    nids = {}
    for node in nodes:
        lnet = LNet(target=node)
        lnet.configure()
        lnet.add_net("tcp", lnet.interfaces()[0])
        nids[node.name] = lnet.nids()[0]
    first = LNet(target=nodes[0])
    for name, nid in nids.items():
        if name != nodes[0].name:
            assert nid in first.ping(nid)
    assert False, "deliberate failure after configuring %s" % ", ".join(sorted(nids))
