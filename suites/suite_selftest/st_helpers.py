"""Helpers of the selftest suite: nodes on tcp and NI counters."""

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts
from lutf.selftest import Selftest  # noqa: F401 - re-exported for the scripts


def on_tcp(*roles, interface="eth0"):
    """The agents ``roles`` configured on tcp (``interface``), with lnet_selftest loaded;
    returns [(node, NID)]."""
    out = []
    for role in roles:
        node = LNet(target=lutf.get_target(role, distinct=True))
        node.configure()
        node.add_net("tcp", interface)
        node.load_selftest()
        out.append((node, node.nid(interface)))
    return out


def counters(node, nid):
    """(send_count, recv_count) of local NI ``nid``."""
    s = node.ni(nid, verbose=1)["statistics"]
    return s["send_count"], s["recv_count"]
