"""Helpers of the multi-rail suite: nodes with several NIs on one net, NI counters."""

import lutf
from lutf.lnet import LNet, LNetError, peer_nids  # noqa: F401 - re-exported for the scripts


def multi_rail_node(role, net="tcp", count=2):
    """The agent ``role`` configured with ``count`` interfaces on ``net`` (SKIP if it has fewer)."""
    node = LNet(target=lutf.get_target(role))
    interfaces = node.require_interfaces(count)
    node.configure()
    node.add_net(net, interfaces)
    return node, [node.nid(i, net) for i in interfaces]


def single_rail_node(role, net="tcp", interface="eth0"):
    node = LNet(target=lutf.get_target(role))
    node.configure()
    node.add_net(net, interface)
    return node, node.nid(interface, net)


def ni_counts(node, nid):
    """(send_count, recv_count) of local NI ``nid``."""
    stats = node.ni(nid, verbose=1)["statistics"]
    return stats["send_count"], stats["recv_count"]
