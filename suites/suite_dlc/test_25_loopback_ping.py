"""The loopback NI works: on a configured node (lo is always there, status up, LNET.md §4.1)
`lnetctl ping 0@lo` and `lctl ping 0@lo` succeed, the reply lists the node's own NIDs without 0@lo
(§3.15, §6: lctl prints 12345-0@lo first), and no 0@lo peer is ever shown (§3.8)."""

from dlc_helpers import configured


def run():
    node = configured("OSS")
    node.add_net("tcp", "eth0")
    own = node.nid("eth0")
    result = node.lnetctl_raw("ping", "0@lo")
    assert result["rc"] == 0, result
    assert node.ping("0@lo") == [own]
    assert node.lctl("ping", "0@lo") == "12345-0@lo\n%s\n" % own
    assert all(p["primary nid"] != "0@lo" for p in node.peers()), node.peers()
