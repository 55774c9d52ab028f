"""net show --verbose=2 is level 1 (LNET.md §3.4: "`--verbose=N` = level 1"): statistics and
tunables, but no health stats; peer show --verbose=2 likewise level 1."""

from dlc_helpers import configured


def run():
    node = configured("MDS")
    node.add_net("tcp", "eth0")
    node.add_peer("192.0.2.1@tcp")
    result = node.lnetctl_raw("net", "show", "--verbose=2")
    assert result["rc"] == 0 and result["stderr"] == "", result
    assert result["stdout"] == node.lnetctl_raw("net", "show", "-v")["stdout"], result
    result = node.lnetctl_raw("peer", "show", "--verbose=2")
    assert result["rc"] == 0 and result["stdout"] == node.lnetctl_raw("peer", "show", "-v", "1")["stdout"], result
