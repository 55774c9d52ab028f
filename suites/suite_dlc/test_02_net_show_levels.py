"""net add --net tcp --if eth0, then net show at levels 0, 1 (-v), 2 (-v 2) and 4: the keys of an
NI appear in LNET.md §3.4's order, tunables/lnd tunables hold the tcp defaults (§3.2), lo has
health 0 and tcp 1000, and the level-0 output is byte-for-byte the verified example of §2.2."""

from dlc_helpers import configured

LEVEL0 = ["nid", "status", "interfaces"]
LEVEL1 = ["nid", "status", "interfaces", "statistics", "tunables", "lnd tunables", "dev cpt", "CPT"]
LEVEL2 = ["nid", "status", "interfaces", "statistics", "sent_stats", "received_stats", "dropped_stats",
          "health stats", "tunables", "lnd tunables", "dev cpt", "CPT"]
LEVEL4 = ["nid", "status", "interfaces", "statistics", "udsp info", "sent_stats", "received_stats",
          "dropped_stats", "health stats", "tunables", "lnd tunables", "dev cpt", "CPT"]
STATISTICS = ["send_count", "recv_count", "drop_count",
              "put_egress_samples", "put_egress_min_nsec", "put_egress_max_nsec", "put_egress_avg_nsec",
              "get_rtt_samples", "get_rtt_min_nsec", "get_rtt_max_nsec", "get_rtt_avg_nsec",
              "put_ack_samples", "put_ack_min_nsec", "put_ack_max_nsec", "put_ack_avg_nsec"]
HEALTH = ["fatal_error", "health value", "interrupts", "dropped", "aborted", "no route", "timeouts", "error",
          "ping_count", "next_ping"]
KINDS = ["put", "get", "reply", "ack", "hello"]


def tcp_ni(node, level):
    nets = node.nets(verbose=level)
    assert [n["net type"] for n in nets] == ["lo", "tcp"], nets
    nis = nets[1]["local NI(s)"]
    assert len(nis) == 1, nis
    return nets[0]["local NI(s)"][0], nis[0]


def run():
    node = configured("MDS")
    node.add_net("tcp", "eth0")
    nid = node.nid("eth0")

    # Level 0: the exact text of LNET.md §2.2's verified example.
    text = node.lnetctl_raw("net", "show")
    expected = (
        "net:\n"
        "-     net type: lo\n"
        "      local NI(s):\n"
        "      -     nid: 0@lo\n"
        "            status: up\n"
        "-     net type: tcp\n"
        "      local NI(s):\n"
        "      -     nid: %s\n"
        "            status: up\n"
        "            interfaces:\n"
        "                  0: eth0\n" % nid
    )
    assert text["rc"] == 0 and text["stdout"] == expected, "net show:\n%s\nexpected:\n%s" % (text["stdout"], expected)
    lo, ni = tcp_ni(node, 0)
    assert list(lo) == ["nid", "status"], lo
    assert list(ni) == LEVEL0 and ni["nid"] == nid and ni["status"] == "up", ni
    assert ni["interfaces"] == {"0": "eth0"}, ni

    # Level 1 (-v): statistics, tunables with tcp defaults, lnd tunables, dev cpt, CPT.
    lo, ni = tcp_ni(node, 1)
    assert list(ni) == LEVEL1, list(ni)
    assert list(ni["statistics"]) == STATISTICS, list(ni["statistics"])
    assert ni["tunables"] == {"peer_timeout": 180, "peer_credits": 8, "peer_buffer_credits": 0, "credits": 256}, ni
    assert list(ni["lnd tunables"]) == ["conns_per_peer", "timeout", "tos"], ni["lnd tunables"]
    assert ni["lnd tunables"]["conns_per_peer"] == 1 and ni["lnd tunables"]["tos"] == -1, ni["lnd tunables"]
    assert ni["lnd tunables"]["timeout"] == 50, ni["lnd tunables"]  # ksocklnd sock_timeout default
    assert isinstance(ni["dev cpt"], int), ni
    assert ni["CPT"].startswith("[") and ni["CPT"].endswith("]"), ni["CPT"]
    # lo at level 1: all tunables 0, no interfaces/lnd tunables, dev cpt -1.
    assert list(lo) == ["nid", "status", "statistics", "tunables", "dev cpt", "CPT"], list(lo)
    assert lo["tunables"] == {"peer_timeout": 0, "peer_credits": 0, "peer_buffer_credits": 0, "credits": 0}, lo
    assert lo["dev cpt"] == -1, lo
    # -v alone and --verbose are level 1 too.
    assert node.lnetctl("net", "show", "-v")["net"][1]["local NI(s)"][0].keys() == ni.keys()
    assert node.lnetctl("net", "show", "--verbose")["net"][1]["local NI(s)"][0].keys() == ni.keys()

    # Level 2: per-kind stats and health stats; fresh NI health 1000, lo 0.
    lo, ni = tcp_ni(node, 2)
    assert list(ni) == LEVEL2, list(ni)
    for key in ("sent_stats", "received_stats", "dropped_stats"):
        assert list(ni[key]) == KINDS, ni[key]
    assert list(ni["health stats"]) == HEALTH, list(ni["health stats"])
    assert ni["health stats"]["health value"] == 1000, ni["health stats"]
    assert ni["health stats"]["fatal_error"] == 0, ni["health stats"]
    assert lo["health stats"]["health value"] == 0, lo["health stats"]

    # Level 4 adds udsp info (priorities -1 when unset) after statistics.
    lo, ni = tcp_ni(node, 4)
    assert list(ni) == LEVEL4, list(ni)
    assert ni["udsp info"] == {"net priority": -1, "nid priority": -1}, ni["udsp info"]

    # The net filter shows only that net.
    only = node.nets(net="tcp")
    assert [n["net type"] for n in only] == ["tcp"], only
    # lctl list_nids: the NIDs without 0@lo.
    assert node.nids() == [nid], node.nids()
