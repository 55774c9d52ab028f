"""With LNet unconfigured every command fails as on real LNet 6.1 (Netlink commands -100 "Unspecific
failure" with exit 234, ioctl/sysfs ones exit 156, lctl list_nids exit 1), sysfs globals can still be set and
persist into the next configure, and unconfigure of a stopped LNet succeeds."""

import lutf

from dlc_helpers import LNet, LNetError, expect_cyaml_error, expect_error, expect_raw


def run():
    node = LNet(target=lutf.get_target("OSS"))
    node.unconfigure()  # already down: success
    # Netlink commands: -100 whose extended ack 6.1 reports as "Unspecific failure" (LNET.md gives
    # the older kernels' "LNet stack down" / "Network is down").
    for args in (["net", "show"], ["route", "show"], ["ping", "192.0.2.1@tcp"]):
        expect_error(node, args, -100, "Unspecific failure")
    # peer show and peer add: exit 234 and nothing printed at all (peer show recorded on 6.1; peer
    # add prints nothing for any refusal of the kernel).
    expect_raw(node, ["peer", "show"], 234, stdout="", stderr="")
    expect_raw(node, ["peer", "add", "--prim_nid", "192.0.2.1@tcp"], 234, stdout="", stderr="")
    # The ioctl/sysfs commands: Printer B blocks (the message printed with its quotes), exit 156.
    expect_cyaml_error(node, ["global", "show"], "show", "global", -100, "cannot get numa_range: Unknown error -100",
                       rc=156)
    expect_cyaml_error(node, ["stats", "show"], "show", "statistics", -100,
                       "cannot get lnet statistics: Network is down", rc=156)
    expect_cyaml_error(node, ["stats", "reset"], "show", "statistics", -100,
                       "cannot reset lnet statistics: Network is down", rc=156)
    expect_cyaml_error(node, ["set", "routing", "1"], "add", "routing", -100, "cannot enable routing Network is down",
                       rc=156)
    expect_cyaml_error(node, ["set", "numa_range", "2"], "add", "numa_range", -100,
                       "cannot configure numa_range to 2: Network is down", rc=156)
    listed = node.lctl("list_nids", check=False)
    assert listed == "", listed
    # lctl list_nids: stderr lines and exit 1 (LNET.md §6).
    try:
        node.lctl("list_nids")
    except LNetError as error:
        assert error.rc == 1, error.rc
        assert error.stderr == ("Reader error: 'Unspecific failure' at 0\n"
                                "IOC_LIBCFS_GET_NI error 100: Network is down\n"), error.stderr
    else:
        raise AssertionError("lctl list_nids worked with LNet down")

    # sysfs-backed parameters work while LNet is down, and stay.
    node.set_global("discovery", 0)
    node.set_global("transaction_timeout", 60)
    node.configure()
    g = node.globals()
    assert g["discovery"] == 0 and g["transaction_timeout"] == 60 and g["lnd_timeout"] == 19, g
    # unconfigure discards nets, peers, routes; sysfs globals persist (§4.1).
    node.add_net("tcp", "eth0")
    node.add_peer("192.0.2.1@tcp")
    node.unconfigure()
    node.configure()
    assert [n["net type"] for n in node.nets()] == ["lo"] and node.peers() == [], (node.nets(), node.peers())
    assert node.globals()["discovery"] == 0
    expect_raw(node, ["lnet", "configure"], 0, stdout="", stderr="")  # idempotent
