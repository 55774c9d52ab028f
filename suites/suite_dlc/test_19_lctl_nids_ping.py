"""lctl list_nids (net show order, 0@lo only with `all`) and lctl ping (LNET.md §6): success prints
12345-0@lo then the remote NIDs without pid; an unreachable target prints "failed to ping" with the errno's text and exits with it (101);
a bad NID, a timeout over 120 and no argument exit 22 with their messages."""

import lutf

from dlc_helpers import LNetError, configured
from lutf.lctl import LCtl


def run():
    node = configured("client")
    node.add_net("tcp", "eth0")
    node.add_net("tcp1", "eth1")
    lctl = LCtl(target=lutf.get_target("client"))
    assert lctl.list_nids() == [node.nid("eth0"), node.nid("eth1", "tcp1")], lctl.list_nids()
    assert lctl.list_nids(all=True) == ["0@lo", node.nid("eth0"), node.nid("eth1", "tcp1")]

    other = configured("OSS")
    other.add_net("tcp", ["eth0", "eth1"])
    target = other.nid("eth1")
    out = node.lctl("ping", target)
    assert out == "12345-0@lo\n%s\n%s\n" % (other.nid("eth0"), other.nid("eth1")), out

    def fails(args, rc, stdout="", stderr=""):
        try:
            node.lctl(*args)
        except LNetError as error:
            assert (error.rc, error.stdout, error.stderr) == (rc, stdout, stderr), (args, error.rc, error.stdout,
                                                                                     error.stderr)
        else:
            raise AssertionError("lctl %s worked" % " ".join(args))

    # No route to the address on the node: socklnd's connect fails at once (ENETUNREACH, exit 101).
    fails(["ping", "192.0.2.77@tcp", "2"], 101, stdout="failed to ping 192.0.2.77@tcp: Network is unreachable\n")
    fails(["ping", "foo@bar"], 22, stderr="Invalid NID argument \"foo@bar\"\n")
    fails(["ping", target, "121"], 22, stderr="Timeout 121 is to large\n")
    fails(["ping"], 22, stderr="usage: ping id [timeout (secs)]\n")
