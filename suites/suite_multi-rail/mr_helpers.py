"""Helpers of the multi-rail suite: nodes with several NIs on one net, NI counters."""

import lutf
from lutf.lnet import LNet, LNetError, peer_nids  # noqa: F401 - re-exported for the scripts


def multi_rail_node(role, net="tcp", count=2):
    """The agent ``role`` configured with ``count`` interfaces on ``net`` (SKIP if it has fewer)."""
    node = LNet(target=lutf.get_target(role, distinct=True))
    interfaces = node.require_interfaces(count)
    node.configure()
    node.add_net(net, interfaces)
    return node, [node.nid(i, net) for i in interfaces]


def single_rail_node(role, net="tcp", interface="eth0"):
    node = LNet(target=lutf.get_target(role, distinct=True))
    node.configure()
    node.add_net(net, interface)
    return node, node.nid(interface, net)


def ni_counts(node, nid):
    """(send_count, recv_count) of local NI ``nid``."""
    stats = node.ni(nid, verbose=1)["statistics"]
    return stats["send_count"], stats["recv_count"]


def rail_per_net_node(role, nets=("tcp", "tcp1")):
    """The agent ``role`` with one net per rail (``tcp`` on eth0, ``tcp1`` on eth1, ...): a
    Multi-Rail node whose rails are separate networks, as the guests' interfaces are. Returns the
    node and its NIDs in rail order (SKIP if it has fewer interfaces)."""
    node = LNet(target=lutf.get_target(role, distinct=True))
    interfaces = node.require_interfaces(len(nets))
    node.configure()
    for net, interface in zip(nets, interfaces):
        node.add_net(net, interface)
    return node, [node.nid(i, net) for net, i in zip(nets, interfaces)]

