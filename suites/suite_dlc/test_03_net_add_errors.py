"""net add with invalid input fails exactly as LNET.md §3.2 says (errno, descr, exit status,
client-side messages, bad --if list, bad CPT) and leaves the configuration unchanged; net add before lnet configure fails
with -108."""

import lutf

from dlc_helpers import LNet, configured, expect_error, expect_raw, net_types


def run():
    node = LNet(target=lutf.get_target("MDS"))
    # LNet not running: the kernel refuses with -108.
    expect_error(node, ["net", "add", "--net", "tcp", "--if", "eth0"], -108, "cannot add LNet NI")

    node = configured("MDS")
    add = ["net", "add"]
    expect_error(node, add + ["--net", "foo", "--if", "eth0"], -2, "cannot parse net")
    expect_error(node, add + ["--net", "lo", "--if", "eth0"], -19, "setting @lo not allowed")
    expect_error(node, add + ["--net", "tcp", "--if", "nosuchif9"], -100, "cannot add LNet NI")
    assert net_types(node) == ["lo"], node.nets()

    node.add_net("tcp", "eth0")
    expect_error(node, add + ["--net", "tcp", "--if", "eth0"], -17, "cannot add LNet NI")
    expect_error(node, add + ["--net", "tcp0", "--if", "eth0"], -17, "cannot add LNet NI")  # tcp0 is tcp

    # Client-side checks: plain text on stdout, exit 234 (-EINVAL).
    expect_raw(node, add + ["--if", "eth1"], 234, stdout="missing mandatory parameters in NI config: 'network'\n")
    expect_raw(node, add + ["--net", "tcp1"], 234, stdout="creating a local NI needs at least one interface\n")
    expect_raw(node, add + ["--net", "tcp1", "--nid", node.nid("eth1", "tcp1")], 234,
               stdout="--net is invalid with --nid option\n")
    # --conns-per-peer out of range: cYAML "ni: - add:" block, errno -1, exit 255.
    bad = expect_raw(node, add + ["--net", "tcp1", "--if", "eth1", "--conns-per-peer", "200"], 255)
    assert "invalid conns-per-peer value (valid range 0-127)" in bad["stderr"], bad
    assert bad["stderr"].startswith("ni:\n    - add:\n          errno: -1\n"), bad["stderr"]
    # --tos out of -1..255: errno -1 "Invalid ToS argument", exit 234.
    bad = expect_raw(node, add + ["--net", "tcp1", "--if", "eth1", "--tos", "256"], 234)
    assert "descr: Invalid ToS argument" in bad["stderr"], bad
    # An unparsable --if list: cYAML "bad interface list", exit 234.
    bad = expect_raw(node, add + ["--net", "tcp1", "--if", "eth1[0"], 234)
    assert bad["stderr"] == "ni:\n    - add:\n          errno: -1\n          descr: bad interface list\n", bad
    # A CPT the node does not have.
    expect_error(node, add + ["--net", "tcp1", "--if", "eth1", "--cpt", "[64]"], -34, "invalid CPT value")
    # Unknown option: the help on stdout, exit 0, nothing done; no getopt message (on 6.1
    # `net add` scans its options quietly first; `net show --foo` does print one).
    bad = expect_raw(node, add + ["--net", "tcp1", "--if", "eth1", "--bogus"], 0,
                     stderr="", stdout_has="net add: add a network")

    # None of the failures changed anything.
    nets = node.nets()
    assert [n["net type"] for n in nets] == ["lo", "tcp"], nets
    assert [ni["nid"] for ni in nets[1]["local NI(s)"]] == [node.nid("eth0")], nets
