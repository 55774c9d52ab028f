"""Nodes: lutf.me on the master, lutf.agents() with names and roles, interfaces on each node."""

import lutf


def interfaces():
    return lutf.me.interfaces()


def run():
    assert lutf.me.name == "master", lutf.me.name
    agents = lutf.agents()
    assert agents, "no agents"
    for agent in agents:
        assert agent.name and agent.address, agent
        found = lutf.call(agent, interfaces)
        assert any(i["name"] == "lo" for i in found), found
    assert lutf.agent(agents[0].name) == agents[0]
    try:
        lutf.agent("no-such-node")
    except lutf.NotFoundError as error:
        assert "no-such-node" in str(error)
    else:
        return lutf.FAIL
