"""Helpers of the dynamic-discovery suite."""

import lutf
from lutf.lnet import LNet, LNetError, peer_nids  # noqa: F401 - re-exported for the scripts


def node_on(role, interfaces, net="tcp"):
    """The agent ``role`` configured with ``interfaces`` on ``net``; returns (node, NIDs)."""
    node = LNet(target=lutf.get_target(role, distinct=True))
    node.require_interfaces(len(interfaces))
    node.configure()
    node.add_net(net, interfaces)
    return node, [node.nid(i, net) for i in interfaces]


def summary(node):
    """[(primary, Multi-Rail, NIDs)] of every peer of ``node``."""
    return [(p["primary nid"], p["Multi-Rail"], peer_nids(p)) for p in node.peers()]
