"""net set (LNET.md §3.5): --conns-per-peer is accepted, but 6.1's net show keeps the NI's
conns_per_peer from when it was added (recorded on real LNet); --lnd-timeout needs --net
(cYAML -22 "Specified --lnd-timeout without --net option"), refuses an LND without timeouts and a
bad net name; with --net it changes the tcp lnd timeout; neither --health nor --conns-per-peer is
a silent no-op; an unknown option is the cYAML "Invalid option or missing argument" (exit 234)."""

from dlc_helpers import configured, expect_raw


def run():
    node = configured("OSS")
    node.add_net("tcp", "eth0")
    own = node.nid("eth0")
    node.lnetctl("net", "set", "--nid", own, "--conns-per-peer", "4")
    assert node.ni(own, verbose=1)["lnd tunables"]["conns_per_peer"] == 1

    def cyaml(args, entity_block):
        r = expect_raw(node, ["net", "set"] + args, 234)
        assert r["stderr"] == entity_block, (args, r)

    cyaml(["--lnd-timeout", "30"],
          'net:\n    - set:\n          errno: -22\n          descr: "Specified --lnd-timeout without --net option"\n')
    cyaml(["--lnd-timeout", "30", "--net", "foo"],
          'net:\n    - set:\n          errno: -22\n          descr: "Invalid network type: foo"\n')
    cyaml(["--lnd-timeout", "30", "--net", "efa"],
          'set:\n    - lnd_timeout:\n          errno: -22\n          descr: "Failed to set LND timeout for net efa"\n'
          "net:\n    - set:\n          errno: -22\n          descr: \n")
    cyaml(["--bogus"], "set: unrecognized option '--bogus'\n"
          'net:\n    - set:\n          errno: -22\n          descr: "Invalid option or missing argument"\n')
    node.lnetctl("net", "set", "--lnd-timeout", "30", "--net", "tcp")
    assert node.ni(own, verbose=1)["lnd tunables"]["timeout"] == 30, node.ni(own, verbose=1)
    before = node.ni(own)
    expect_raw(node, ["net", "set", "--nid", own], 0, stdout="", stderr="")
    after = node.ni(own)
    assert after["health stats"] == before["health stats"], (before, after)
