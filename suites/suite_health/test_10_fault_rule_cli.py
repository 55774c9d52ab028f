"""fault drop|delay add/del and lctl net_drop_*/net_delay_* as real LNet answers them (6.1, lustre
c881f8eb): client-side validation messages and exit statuses, the message/portal masks, lctl's
list (newest first, `*` as 0.0.0.0@tcp, `*@tcp` as 255.255.255.255@tcp, one zero entry when
there is none), deleting by source/destination, and "Object not found" (exit 254, lctl 2).
A delay rule has no --interval: lnetctl says "Unrecognized option ?" and adds the rule anyway.
(`lnetctl fault drop show` aborts with a double free in c881f8eb: the rules are read with lctl.)"""

import lutf

from health_helpers import LNet, LNetError
from lutf.lctl import LCtl


def raw(node, *args):
    return node.lnetctl_raw("fault", *args)


def run():
    target = lutf.get_target("MDS")
    node = LNet(target=target)
    node.configure()
    node.add_net("tcp", "eth0")
    s0 = node.nid("eth0")
    lctl = LCtl(target=target)

    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-r", "2", "-i", "3")
    assert r["rc"] == 255 and r["stderr"] == (
        "please provide either drop rate or interval but not both at the same time.\n"), r
    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-r", "2", "-m", "FOO")
    assert r["rc"] == 255 and r["stderr"] == "unknown message type FOO\n", r
    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-r", "2", "-p", "64")
    assert r["rc"] == 255 and r["stderr"] == "invalid portal: 64\n", r
    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-n", "-r", "2")
    assert r["rc"] == 255 and r["stderr"] == "please provide an interval to randomize\n", r
    r = raw(node, "delay", "add", "-s", "*", "-d", "*", "-r", "2", "-l", "0")
    assert r["rc"] == 255 and r["stderr"] == "latency cannot be zero\n", r
    r = raw(node, "drop", "add", "-s", "bad", "-d", "*", "-r", "2")
    assert r["rc"] == 234 and r["stderr"] == "Invalid NID: bad\n", r
    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-r", "2", "-p", "5", "-m", "ACK")
    assert r["rc"] == 234 and r["stdout"] == "failed to add drop rule: Invalid input data or parameter\n", r
    r = raw(node, "drop", "add")
    assert r["rc"] == 234 and r["stdout"].startswith("drop add: add LNet drop rule\n\t--source nid:"), r
    assert node.drop_rules() == [] and node.delay_rules() == []
    out = node.lctl("net_drop_list", check=False)
    assert out == ("0@<0:0>->0@<0:0> (1/0 | 0) ptl 0, msg 0, 0/0, PUT 0, ACK 0, GET 0, REP 0\nfound total 0\n"), out

    node.add_drop_rule("*", "*@tcp", rate=10, messages=["PUT", "GET"])
    node.lnetctl("fault", "drop", "add", "-s", s0, "-d", "*", "-i", "5", "-p", "4", "-p", "6")
    assert lctl.drop_rules() == [
        "%s->0.0.0.0@tcp (1/0 | 5) ptl 0x50, msg 6, 0/0, PUT 0, ACK 0, GET 0, REP 0" % s0,
        "0.0.0.0@tcp->255.255.255.255@tcp (1/10 | 0) ptl 0, msg 6, 0/0, PUT 0, ACK 0, GET 0, REP 0",
    ], lctl.drop_rules()   # portals keep PUT|GET only
    newest = node.drop_rules()[0]
    assert (newest["src"], newest["portal"], newest["mask"]) == (s0, 0x50, 6), newest

    r = raw(node, "drop", "del", "-a", "-s", "*")
    assert r["rc"] == 255 and r["stderr"] == "'-s' or '-d' cannot be combined with '-a'\n", r
    r = raw(node, "drop", "del", "-s", "*")
    assert r["rc"] == 255 and r["stderr"] == "Failed, please provide source and destination of rule\n", r
    r = raw(node, "drop", "del", "-s", "192.0.2.9@tcp", "-d", "192.0.2.9@tcp")
    assert r["rc"] == 254 and r["stdout"] == "failed to delete drop rule: Object not found\n", r
    node.lnetctl("fault", "drop", "del", "-s", s0, "-d", "*")
    assert [rule["src"] for rule in node.drop_rules()] == ["0.0.0.0@tcp"], node.drop_rules()
    node.lnetctl("fault", "drop", "del", "--all")
    assert node.drop_rules() == []
    r = raw(node, "drop", "del", "--all")
    assert r["rc"] == 254 and r["stdout"] == "failed to delete drop rule: Object not found\n", r
    try:
        node.lctl("net_drop_del", "-s", "192.0.2.9@tcp", "-d", "*")
    except LNetError as error:
        assert error.rc == 2 and error.stdout == "failed to delete drop rule: Object not found\n", error
    else:
        raise AssertionError("lctl net_drop_del of no rule worked")

    # A delay rule's --interval is not an option: reported, skipped, the rule still added.
    r = raw(node, "delay", "add", "-s", "*", "-d", "*", "-r", "2", "-i", "3", "-l", "1")
    assert r["rc"] == 0 and r["stderr"] == "Unrecognized option ?\n", r
    (delay,) = node.delay_rules()
    assert (delay["src"], delay["dst"], delay["latency"]) == ("0.0.0.0@tcp", "0.0.0.0@tcp", 1), delay
    node.lnetctl("fault", "delay", "del", "--all")
    assert node.delay_rules() == []
