"""routing show's `enable` is the raw routing state (LNET.md §3.11): right after `set routing 1`
it is 3 (starting) for ~110 s before becoming 1, and right after `set routing 0` it is 2
(stopping) for 110-330 s before becoming 0."""

from topology import Topology


def enable(router):
    return [item["enable"] for item in router.routing()["routing"] if "enable" in item][0]


def run():
    topo = Topology()
    topo.router.set_routing(True)
    state = enable(topo.router)
    assert state == 3, "enable is %s right after set routing 1; LNET.md §3.11 says 3 (starting)" % state
    topo.router.set_routing(False)
    state = enable(topo.router)
    assert state == 2, "enable is %s right after set routing 0; LNET.md §3.11 says 2 (stopping)" % state
