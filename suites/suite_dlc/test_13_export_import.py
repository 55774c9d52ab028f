"""export of a fresh node (lo at level 2 + global; --backup: global only); export --backup is
byte-for-byte LNET.md §3.16's verified example (net, route, gateway peer, global); the non-backup
export has the level-2 NI keys, route state/type and peer state; importing a backup into a reset
node gives back the same nets, tunables, routes, peers and globals; snapshot()/restore()
round-trips; import --del removes what a file lists; import errors (§3.17)."""

from dlc_helpers import configured, expect_error
import lutf._yaml as yaml

GLOBAL_DEFAULTS = ("global:\n    numa_range: 0\n    max_interfaces: 4096\n    discovery: 1\n    drop_asym_route: 0\n"
                   "    retry_count: 2\n    transaction_timeout: 150\n    health_sensitivity: 100\n"
                   "    recovery_interval: 1\n    router_sensitivity: 100\n    lnd_timeout: 49\n"
                   "    response_tracking: 3\n    recovery_limit: 0\n    max_recovery_ping_interval: 900\n")


def state(node):
    """What a backup must preserve."""
    nets = [(n["net type"], [(ni.get("interfaces"), ni["tunables"], ni.get("lnd tunables", {}).get("conns_per_peer"))
                             for ni in n["local NI(s)"]]) for n in node.nets(verbose=1)]
    routes = sorted((r["net"], r["gateway"], r["hop"], r["priority"]) for r in node.routes(verbose=True))
    peers = sorted((p["primary nid"], [ni["nid"] for ni in p["peer ni"]]) for p in node.peers())
    return {"nets": nets, "routes": routes, "peers": peers, "globals": node.globals()}


def run():
    node = configured("MDS")
    assert node.export(backup=True) == GLOBAL_DEFAULTS, node.export(backup=True)  # lo is skipped
    # Fresh node, non-backup: the lo NI at level 2, then global; no route/peer/routing sections.
    fresh = node.export()
    assert fresh.endswith(GLOBAL_DEFAULTS) and fresh.startswith("net:\n-     net type: lo\n"), fresh
    fresh = yaml.load(fresh)
    assert list(fresh) == ["net", "global"], list(fresh)
    (lo,) = fresh["net"][0]["local NI(s)"]
    assert list(lo) == ["nid", "status", "statistics", "sent_stats", "received_stats", "dropped_stats",
                        "health stats", "tunables", "dev cpt", "CPT"], list(lo)
    assert lo["health stats"]["health value"] == 0 and lo["dev cpt"] == -1, lo

    node.add_net("tcp", "eth0")
    node.add_route("tcp2", "192.168.1.1@tcp")
    cpt = node.nets(verbose=1, net="tcp")[0]["local NI(s)"][0]["CPT"]
    expected = (
        "net:\n"
        "-     net type: tcp\n"
        "      local NI(s):\n"
        "      -     interfaces:\n"
        "                  0: eth0\n"
        "            tunables:\n"
        "                  peer_timeout: 180\n"
        "                  peer_credits: 8\n"
        "                  peer_buffer_credits: 0\n"
        "                  credits: 256\n"
        "            lnd tunables:\n"
        "                  conns_per_peer: 1\n"
        "                  tos: -1\n"
        "            CPT: \"%s\"\n"
        "route:\n"
        "-     net: tcp2\n"
        "      gateway: 192.168.1.1@tcp\n"
        "      hop: -1\n"
        "      priority: 0\n"
        "peer:\n"
        "-     primary nid: 192.168.1.1@tcp\n"
        "      Multi-Rail: false\n"
        "      peer ni:\n"
        "      -     nid: 192.168.1.1@tcp\n" % cpt
    ) + GLOBAL_DEFAULTS
    backup = node.export(backup=True)
    assert backup == expected, "export --backup:\n%s\nLNET.md §3.16:\n%s" % (backup, expected)

    # Non-backup: level-2 NIs (nid, status first; health stats), route state/type, peer state.
    full = yaml.load(node.export())
    tcp = full["net"][1]["local NI(s)"][0]
    assert list(tcp)[:2] == ["nid", "status"] and "health stats" in tcp and "dev cpt" in tcp, list(tcp)
    assert tcp["lnd tunables"]["timeout"] == 50, tcp["lnd tunables"]
    assert list(full["route"][0]) == ["net", "gateway", "hop", "priority", "state", "type"], full["route"]
    assert "peer state" in full["peer"][0], full["peer"][0]
    assert list(full["global"]) == [l.split(":")[0].strip() for l in GLOBAL_DEFAULTS.splitlines()[1:]], full["global"]

    # A richer configuration round-trips through export --backup / import.
    node.add_net("tcp1", ["eth1"], peer_credits=16, credits=512, conns_per_peer=2)
    node.add_route("tcp5", "192.168.1.2@tcp", hop=2, priority=3)
    node.add_peer("192.168.1.50@tcp", ["192.168.1.51@tcp", "192.168.2.51@tcp1"])
    node.set_global("discovery", 0)
    node.set_global("retry_count", 1)
    node.set_global("recovery_limit", 5)
    before = state(node)
    backup = node.export(backup=True)
    node.unload()  # every setting back to its default, globals included
    node.configure()
    assert state(node) != before
    node.import_config(backup)
    after = state(node)
    # All of it comes back but the configured peer: the import adds the routes first, their
    # gateways become peers, and on 6.1 a peer that exists ends the import's peer section (the
    # import still succeeds). Recorded on real LNet.
    restored = dict(before, peers=[p for p in before["peers"] if p[0] != "192.168.1.50@tcp"])
    assert after == restored, "after import:\n%r\nbefore:\n%r" % (after, restored)

    # restore() (the import, then the peers it passed over) brings all of it back.
    node.restore({"configured": True, "config": backup})
    assert state(node) == before, state(node)
    # snapshot()/restore() (export --backup + import under the hood).
    snap = node.snapshot()
    node.unconfigure()
    node.configure()
    node.restore(snap)
    assert state(node) == before, state(node)

    # import --del removes what the file lists.
    node.import_config("route:\n-     net: tcp5\n      gateway: 192.168.1.2@tcp\n"
                       "peer:\n-     primary nid: 192.168.1.50@tcp\n", delete=True)
    assert [r["net"] for r in node.routes()] == ["tcp2"], node.routes()
    assert node.peer("192.168.1.50@tcp") is None, node.peers()

    # Errors: Printer A add/import blocks, exit 234.
    expect_error(node, ["import"], -22, "invalid key 'bogus'", input="bogus:\n    a: 1\n")
    expect_error(node, ["import"], -22, "Invalid network ID 'foo'",
                 input="net:\n-     net type: foo\n      local NI(s):\n")
