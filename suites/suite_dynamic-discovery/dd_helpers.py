"""Helpers of the dynamic-discovery suite."""

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts


def nid(node, interface, net="tcp"):
    """The NID an NI of ``net`` on ``interface`` of ``node`` (an LNet) has (LNET.md §4.2)."""
    return "%s@%s" % (node.address(interface), net)


def node_on(role, interfaces, net="tcp"):
    """The agent ``role`` configured with ``interfaces`` on ``net``; returns (node, NIDs)."""
    node = LNet(target=lutf.get_target(role))
    node.require_interfaces(len(interfaces))
    node.configure()
    node.add_net(net, interfaces)
    return node, [nid(node, i, net) for i in interfaces]


def peer_nids(peer):
    return [ni["nid"] for ni in peer["peer ni"]] if peer else []


def summary(node):
    """[(primary, Multi-Rail, NIDs)] of every peer of ``node``."""
    return [(p["primary nid"], p["Multi-Rail"], peer_nids(p)) for p in node.peers()]
