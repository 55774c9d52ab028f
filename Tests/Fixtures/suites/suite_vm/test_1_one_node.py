"""One guest with the kernel's real LNet: configure, add tcp on eth0, ping itself, export.

The real tools answer, not the simulator: the node's LNet is the kernel's (LUTF_LNET=system),
its NI is on the guest's eth0 (10.1.0.N), and export prints the real configuration."""

import os

import lutf
from lutf.lnet import LNet


class Probe(lutf.BaseTest):
    def facts(self):
        return {"lnet": os.environ.get("LUTF_LNET"), "modules": open("/proc/modules").read(),
                "kernel": os.uname().release}


def run():
    node = lutf.agents()[0]
    facts = Probe(target=node).facts()
    assert facts["lnet"] == "system", facts["lnet"]
    assert "lnet " in facts["modules"], facts["modules"]
    lnet = LNet(target=node)
    lnet.configure()
    lnet.add_net("tcp", "eth0")
    nid = lnet.nid("eth0")
    assert nid.startswith("10.1.0.") and nid.endswith("@tcp"), nid
    assert lnet.nids() == [nid]
    assert lnet.ping(nid) == [nid]
    exported = lnet.export()
    assert "net type: tcp" in exported and nid in exported, exported
    return {"status": "PASS", "nid": nid, "kernel": facts["kernel"]}
