"""The clean slate (re-exported by :mod:`lutf.lnet`). Kept apart so that running it before
every test does not import the LNet helpers and ``subprocess``."""

import threading

import lutf


def clean_node(target=None):
    """The clean slate on ``target`` (an agent or its name; default this node): fault rules
    gone, LNet unconfigured with every global setting back at its default (on a real node
    lnet_selftest and the LNDs are unloaded and lnet is reloaded; libcfs stays); a simulated
    node is unloaded and its interfaces brought back up. The agent does it itself, without
    Python. Returns what was done: ``"simulated"``, what it undid on a real node (e.g. ``"fault
    rules reset, LNet unconfigured; ksocklnd, lnet reloaded"``) or ``"no lnetctl"``."""
    node = lutf._node_name(target if target is not None else lutf.me.name)
    return lutf._remote(node, "function_call", fname="clean")


def clean_cluster():
    """Runs :func:`clean_node` on every agent at once; raises if one fails, naming it."""
    errors = []

    def clean(agent):
        try:
            clean_node(agent)
        except lutf.LUTFError as error:
            errors.append("%s: %s" % (agent.name, error))

    threads = [threading.Thread(target=clean, args=(a,)) for a in lutf.agents()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise lutf.LUTFError("clean-up failed on " + "; ".join(sorted(errors)))
