"""Helpers of the health suite: a client and a server on tcp, health values and counters."""

import lutf
from lutf.lnet import LNet, LNetError  # noqa: F401 - re-exported for the scripts


def pair(client_interfaces=("eth0",), server_interfaces=("eth0",)):
    """client1 and oss1 configured on tcp; returns (client, client NIDs, server, server NIDs)."""
    client = LNet(target=lutf.get_target("client", distinct=True))
    server = LNet(target=lutf.get_target("OSS", distinct=True))
    for node, interfaces in ((client, client_interfaces), (server, server_interfaces)):
        node.require_interfaces(len(interfaces))
        node.configure()
        node.add_net("tcp", list(interfaces))
    return (client, [client.nid(i) for i in client_interfaces], server, [server.nid(i) for i in server_interfaces])


def peer_ni(node, nid, verbose=2):
    """The peer NI ``nid`` of ``node``'s peer table (verbose level 2: health stats)."""
    peer = node.peer(nid, verbose=verbose)
    assert peer is not None, "%s has no peer for %s" % (node.target, nid)
    for ni in peer["peer ni"]:
        if ni["nid"] == nid:
            return ni
    raise AssertionError("%s: the peer holding %s does not list it as a peer NI: %r" % (node.target, nid, peer))


def peer_health(node, nid):
    return peer_ni(node, nid)["health stats"]["health value"]


ERRNO_TEXT = {-5: "Input/output error", -110: "Connection timed out", -113: "No route to host",
              -101: "Network is unreachable"}


def ping_fails(node, nid, timeout=2, errno=-5):
    """Pings ``nid``, which must fail: exit 255 and ``errno`` with its text. A ping whose GET a
    drop rule discards on arrival fails with -5 "Input/output error" on real LNet 6.1 (LNET.md
    gives -110 for a lost message); ``errno=None``: any failure."""
    try:
        node.ping(nid, timeout=timeout)
    except LNetError as failure:
        assert failure.rc == 255, failure
        if errno is None:
            assert failure.errno < 0 and failure.descr.startswith("failed to ping %s: " % nid), failure
        else:
            assert failure.errno == errno and failure.descr == "failed to ping %s: %s" % (nid, ERRNO_TEXT[errno]), \
                failure
        return failure
    raise AssertionError("ping %s from %s worked" % (nid, node.target))
