"""A module-level function run on an agent with lutf.call()."""

import lutf


def add(a, b):
    return {"sum": a + b, "node": lutf.me.name}


def run():
    for target in lutf.agents():
        result = lutf.call(target, add, 2, b=3)
        assert result == {"sum": 5, "node": target.name}, result
