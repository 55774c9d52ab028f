"""The run's environment is the same dict on the master and on every agent."""

import lutf


def environment():
    return lutf.get_environment()


def run():
    here = lutf.get_environment()
    assert here.get("LUTF_RUN"), here
    assert set(here["LUTF_AGENTS"].split(",")) == {a.name for a in lutf.agents()}, here
    for target in lutf.agents():
        there = lutf.call(target, environment)
        assert there == here, "environment differs on %s: %r != %r" % (target.name, there, here)
