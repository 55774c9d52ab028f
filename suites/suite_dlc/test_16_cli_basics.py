"""lnetctl's command line (LNET.md §1.1): help texts and where they go, version, unknown commands
(exit 255), a command word alone (all its help, exit 234), `-h` as the only argument (exit 1),
unknown options (getopt message, help, exit 0), ping/discover help, and script mode on stdin
(case-insensitive prefix matching, stopping at the first failure with its status)."""

from dlc_helpers import configured, expect_raw

USAGE = ("usage: lnetctl [COMMAND] [OPTIONS]... [ARGS]\n"
         "Without any parameters, interactive mode is invoked\n"
         "Try 'lnetctl help <COMMAND>', or 'lnetctl --list-commands' for a list of commands.\n")
NET_SHOW_HELP = ("net show: show networks\n\t--net: net name (e.g. tcp0) to filter on\n\t--verbose: display detailed "
                 "output per network. Optional argument of '2' outputs more stats\n\n")


def run():
    node = configured("client")
    expect_raw(node, ["help"], 0, stdout=USAGE, stderr="")
    expect_raw(node, ["--help"], 0, stdout=USAGE, stderr="")
    expect_raw(node, ["help", "net"], 0, stdout="", stderr="net: net {add | del | show | set | help}\n")
    expect_raw(node, ["help", "bogus"], 0, stderr="lnetctl: 'bogus' is not a valid command. See 'lnetctl --list-commands'.\n")
    version = expect_raw(node, ["--version"], 0)["stdout"]
    assert version.startswith("lnetctl ") and version.endswith("\n") and len(version.split()) == 2, version
    expect_raw(node, ["bogus"], 255, stdout="",
               stderr="lnetctl: 'bogus' is not a valid command. See 'lnetctl --list-commands'.\n")
    expect_raw(node, ["net", "bogus"], 255,
               stderr="lnetctl: 'bogus' is not a valid command. See 'lnetctl --list-commands'.\n")
    whole = expect_raw(node, ["net"], 234)["stdout"]
    for sub in ("net add: ", "net del: ", "net show: ", "net set: "):
        assert sub in whole, whole
    assert NET_SHOW_HELP in whole, whole
    expect_raw(node, ["net", "show", "-h"], 1, stdout=NET_SHOW_HELP)
    expect_raw(node, ["net", "show", "--foo"], 0, stderr="show: unrecognized option '--foo'\n", stdout=NET_SHOW_HELP)
    expect_raw(node, ["ping", "-h"], 0, stdout="ping nid[,nid,...]\n\t --source: source nid\n\t --timeout: ping "
                                               "timeout\n\t --help: display this help\n")
    expect_raw(node, ["discover"], 255, stdout="Missing nid argument\n")
    listed = expect_raw(node, ["--list-commands"], 0)["stdout"].split()
    for word in ("lnet", "route", "net", "routing", "set", "import", "export", "stats", "global", "peer", "ping",
                 "discover", "udsp", "fault"):
        assert word in listed, listed

    # Script mode: stdin lines, commands matched by prefix whatever their case (NET is net). An
    # unknown command prints the usage and ends the session with the usage again, exit 0; after
    # ignore_errors it goes on.
    usage = "usage: lnetctl [COMMAND] [OPTIONS]... [ARGS]\n"
    result = node.lnetctl_raw(input="NET add --net tcp --if eth0\nbogus\nnet add --net tcp1 --if eth1\n")
    assert (result["rc"], result["stdout"].count(usage), result["stderr"]) == (0, 2, ""), result
    assert [n["net type"] for n in node.nets()] == ["lo", "tcp"], node.nets()
    result = node.lnetctl_raw(input="ignore_errors\nbogus\nnet add --net tcp1 --if eth1\n")
    assert (result["rc"], result["stdout"].count(usage), result["stderr"]) == (0, 1, ""), result
    assert [n["net type"] for n in node.nets()] == ["lo", "tcp", "tcp1"], node.nets()
