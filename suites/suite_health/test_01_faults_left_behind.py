"""Leaves a mess on purpose for test_02 to find cleaned: drop and delay rules on every node, an
interface down, changed globals, a lowered NI health. Checks each is really in place (lctl lists
the rules with `*` shown as 0.0.0.0@tcp and `*@tcp` as 255.255.255.255@tcp)."""

import lutf

from health_helpers import LNet


def run():
    lutf.require_agents(2)
    for agent in lutf.agents():
        node = LNet(target=agent)
        node.configure()
        node.add_net("tcp", "eth0")
        node.add_drop_rule("*", "*@tcp", rate=10)
        node.add_delay_rule("*", "*", latency=1, rate=5)
        node.set_global("discovery", 0)
        # (0, not the default 100: real LNet's recovery pings then leave the lowered health as set.)
        node.set_global("health_sensitivity", 0)
        node.set_ni_health(node.nid("eth0"), 10)
        node.set_link("eth1", False)
        # (Its counters are not looked at: the lowered health starts LNet's recovery pings of
        # the NI, which real rules see at their own pace.)
        (drop,) = node.drop_rules()
        assert (drop["src"], drop["dst"]) == ("0.0.0.0@tcp", "255.255.255.255@tcp"), drop
        (delay,) = node.delay_rules()
        assert (delay["src"], delay["dst"], delay["latency"]) == ("0.0.0.0@tcp", "0.0.0.0@tcp", 1), delay
        assert node.globals()["discovery"] == 0
        assert node.ni(node.nid("eth0"))["health stats"]["health value"] == 10
