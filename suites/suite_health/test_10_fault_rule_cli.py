"""fault drop|delay add/del/show and lctl net_drop_* (LNET.md §3.19, §6): client-side validation
messages and exit statuses, message/portal masks, the exact show text of a rule, deleting by
source/destination and the "Object not found" case (exit 254), lctl's list format with and
without rules."""

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

    r = raw(node, "drop", "add", "-s", "*", "-d", "*", "-r", "2", "-i", "3")
    assert r["rc"] == 255 and r["stderr"] == (
        "please provide either drop rate or interval but not both at the same time.\n"), r
    r = raw(node, "delay", "add", "-s", "*", "-d", "*", "-r", "2", "-i", "3", "-l", "1")
    assert r["rc"] == 255 and r["stderr"] == (
        "please provide either delay rate or interval but not both at the same time.\n"), r
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
    assert r["rc"] == 234 and r["stdout"] == "failed to add drop rule: Invalid argument\n", r
    r = raw(node, "drop", "add")
    assert r["rc"] == 234 and r["stdout"].startswith("fault drop add: "), r
    assert node.drop_rules() == [] and node.delay_rules() == []

    node.add_drop_rule("*", "*@tcp", rate=10, messages=["PUT", "GET"])
    node.lnetctl("fault", "drop", "add", "-s", s0, "-d", "*", "-i", "5", "-p", "4", "-p", "6")
    text = node.lnetctl_raw("fault", "drop", "show")["stdout"]
    assert text.startswith(
        "fault:\n-     rule_type: drop\n      fa_src: <?>\n      fa_dst: 255.255.255.255@tcp\n"
        "      fa_ptl_mask: 0\n      fa_msg_mask: 6\n      da_rate: 10\n      da_interval: 0\n"
        "      ds_dropped: 0\n      fs_count: 0\n      fs_put: 0\n      fs_ack: 0\n      fs_get: 0\n"
        "      fs_reply: 0\n"), text
    second = node.drop_rules()[1]
    assert (second["fa_src"], second["fa_ptl_mask"], second["fa_msg_mask"], second["da_interval"]) == (
        s0, 0x50, 6, 5), second   # portals keep PUT|GET only

    lines = LCtl(target=target).drop_rules()
    assert lines == ["<?>->255.255.255.255@tcp (1/10 | 0) ptl 0, msg 6, 0/0, PUT 0, ACK 0, GET 0, REP 0",
                     "%s-><?> (1/0 | 5) ptl 0x50, msg 6, 0/0, PUT 0, ACK 0, GET 0, REP 0" % s0], lines

    r = raw(node, "drop", "del", "-a", "-s", "*")   # LNET.md gives no exit status for these two
    assert r["rc"] != 0 and r["stderr"] == "'-s' or '-d' cannot be combined with '-a'\n", r
    r = raw(node, "drop", "del", "-s", "*")
    assert r["rc"] != 0 and r["stderr"] == "Failed, please provide source and destination of rule\n", r
    r = raw(node, "drop", "del", "-s", "192.0.2.9@tcp", "-d", "192.0.2.9@tcp")
    assert r["rc"] == 254 and r["stdout"] == "failed to delete drop rule: Object not found\n", r
    node.lnetctl("fault", "drop", "del", "-s", s0, "-d", "*")
    assert [r["fa_src"] for r in node.drop_rules()] == ["<?>"], node.drop_rules()
    node.lnetctl("fault", "drop", "del", "--all")
    assert node.drop_rules() == []
    r = raw(node, "drop", "del", "--all")
    assert r["rc"] == 254 and r["stdout"] == "failed to delete drop rule: Object not found\n", r
    r = raw(node, "delay", "del", "--all")
    assert r["rc"] == 254 and r["stdout"] == "failed to delete delay rule: Object not found\n", r

    # lctl with no rules: one all-zero line, then "found total 0".
    out = node.lctl("net_drop_list", check=False)
    assert out == ("0@<0:0>->0@<0:0> (1/0 | 0) ptl 0, msg 0, 0/0, PUT 0, ACK 0, GET 0, REP 0\nfound total 0\n"), out
    assert LCtl(target=target).drop_rules() == []
    try:
        node.lctl("net_drop_del", "-s", "192.0.2.9@tcp", "-d", "*")
    except LNetError as error:
        assert error.rc == 2 and error.stdout == "failed to delete drop rule: Object not found\n", error
    else:
        raise AssertionError("lctl net_drop_del of no rule worked")
