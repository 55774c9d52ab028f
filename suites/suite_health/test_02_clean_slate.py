"""The clean slate between tests (after test_01 left rules, a link down, globals and health
changed): every agent starts with LNet unconfigured, and once configured has no drop or delay
rule, default globals, both interfaces usable (NIs up, health 1000) and no peers."""

import lutf

from health_helpers import LNet

DEFAULTS = {"numa_range": 0, "max_interfaces": 4096, "discovery": 1, "drop_asym_route": 0, "retry_count": 2,
            "transaction_timeout": 150, "health_sensitivity": 100, "recovery_interval": 1,
            "router_sensitivity": 100, "lnd_timeout": 49, "response_tracking": 3, "recovery_limit": 0,
            "max_recovery_ping_interval": 900}


def run():
    lutf.require_agents(2)
    for agent in lutf.agents():
        node = LNet(target=agent)
        assert not node.configured(), "%s: LNet is still configured" % agent.name
        node.configure()
        assert node.drop_rules() == [], (agent.name, node.drop_rules())
        assert node.delay_rules() == [], (agent.name, node.delay_rules())
        assert node.globals() == DEFAULTS, (agent.name, node.globals())
        assert node.peers() == [], (agent.name, node.peers())
        node.add_net("tcp", ["eth0", "eth1"])
        for ni in node.nets(verbose=2, net="tcp")[0]["local NI(s)"]:
            assert ni["status"] == "up" and ni["health stats"]["health value"] == 1000, (agent.name, ni)
            assert ni["health stats"]["fatal_error"] == 0, (agent.name, ni)
