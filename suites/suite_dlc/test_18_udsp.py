"""udsp add/show/del (LNET.md §3.18): rules append in order and show exactly as the verified
example (Printer B); --idx inserts and renumbers; an identical rule is EALREADY (exit 114); the
argument checks (src+rte -22, Must specify --idx or --all, Cannot combine, Invalid priority,
missing index exit 254 with "add:"), and no src/dst/rte prints the help (exit 0)."""

from dlc_helpers import configured, expect_raw

EXAMPLE = ("udsp:\n    - idx: 0\n      src: tcp\n      action:\n          priority: 0\n"
           "    - idx: 1\n      dst: 10.0.0.[1-3]@tcp\n      action:\n          priority: 2\n")


def run():
    node = configured("MDS")
    node.add_net("tcp", "eth0")
    expect_raw(node, ["udsp", "show"], 0, stdout="")
    node.lnetctl("udsp", "add", "--src", "tcp", "--priority", "0")
    node.lnetctl("udsp", "add", "--dst", "10.0.0.[1-3]@tcp", "--priority", "2")
    expect_raw(node, ["udsp", "show"], 0, stdout=EXAMPLE)

    r = expect_raw(node, ["udsp", "add", "--dst", "10.0.0.[1-3]@tcp", "--priority", "2"], 114)
    assert r["stderr"] == ("add:\n    - udsp:\n          errno: 114\n"
                           "          descr: \"cannot add udsp: Operation already in progress\"\n"), r
    # Same match, new priority: updates it.
    node.lnetctl("udsp", "add", "--dst", "10.0.0.[1-3]@tcp", "--priority", "5")
    assert node.lnetctl("udsp", "show")["udsp"][1]["action"]["priority"] == 5
    # --idx 0 inserts first; the others move down.
    node.lnetctl("udsp", "add", "--src", "tcp1", "--priority", "1", "--idx", "0")
    rules = node.lnetctl("udsp", "show")["udsp"]
    assert [(r["idx"], r.get("src") or r.get("dst")) for r in rules] == [
        (0, "tcp1"), (1, "tcp"), (2, "10.0.0.[1-3]@tcp")], rules

    r = expect_raw(node, ["udsp", "add", "--src", "tcp", "--rte", "1.1.1.1@tcp"], 234)
    assert "descr: \"src and rte cannot be combined\"" in r["stderr"], r
    expect_raw(node, ["udsp", "add", "--src", "tcp", "--priority", "x"], 234, stdout="Invalid priority \"x\"\n")
    expect_raw(node, ["udsp", "add"], 0, stdout_has="udsp add: add a udsp")
    expect_raw(node, ["udsp", "del"], 234, stdout="Must specify --idx or --all\n")
    expect_raw(node, ["udsp", "del", "--all", "--idx", "1"], 234, stdout="Cannot combine --all with --idx\n")
    r = expect_raw(node, ["udsp", "del", "--idx", "7"], 254)
    assert r["stderr"] == ("add:\n    - udsp:\n          errno: -2\n"
                           "          descr: \"cannot del udsp: No such file or directory\"\n"), r

    node.lnetctl("udsp", "del", "--idx", "0")
    rules = node.lnetctl("udsp", "show")["udsp"]
    assert [(r["idx"], r.get("src") or r.get("dst")) for r in rules] == [(0, "tcp"), (1, "10.0.0.[1-3]@tcp")], rules
    node.lnetctl("udsp", "del", "--all")
    expect_raw(node, ["udsp", "show"], 0, stdout="")
