"""route show lists routes across nets in the kernel's hash-bucket order, (net number + LND type)
& 127 with tcp=2, o2ib=5 (LNET.md §3.10), whatever the order they were added in; routes of one net
are all listed together."""

from dlc_helpers import configured


def run():
    node = configured("client")
    node.add_net("tcp", "eth0")
    gw = "192.0.2.1@tcp"
    for net in ("tcp9", "o2ib", "tcp1", "o2ib2", "tcp4"):
        node.add_route(net, gw)
    node.add_route("tcp1", "192.0.2.2@tcp")
    order = [r["net"] for r in node.routes()]
    # buckets: tcp1 3, tcp4 6 / o2ib 5, o2ib2 7, tcp9 11 -> tcp1 tcp1 o2ib tcp4 o2ib2 tcp9
    assert order == ["tcp1", "tcp1", "o2ib", "tcp4", "o2ib2", "tcp9"], order
