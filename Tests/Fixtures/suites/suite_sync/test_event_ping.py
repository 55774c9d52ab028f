"""Node A configures LNet, then sets an event; node B waits on it and then pings A."""

import threading

import lutf
from lutf.lnet import LNet


class Side(lutf.BaseTest):
    def configure_and_signal(self):
        lnet = LNet()
        lnet.configure()
        lnet.add_net("tcp", lnet.interfaces()[0])
        lutf.event("a-configured").set({"nid": lnet.nids()[0]})
        return lnet.nids()[0]

    def wait_then_ping(self):
        info = lutf.event("a-configured").wait(timeout=20)
        lnet = LNet()
        lnet.configure()
        lnet.add_net("tcp", lnet.interfaces()[0])
        return {"pinged": info["nid"], "reply": lnet.ping(info["nid"])}


def run():
    a, b = lutf.require_agents(2)
    result = {}

    def wait():
        try:
            result.update(Side(target=b).wait_then_ping())
        except Exception as error:  # reported below
            result["error"] = repr(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert not lutf.event("a-configured").is_set()
    nid = Side(target=a).configure_and_signal()
    waiter.join(30)
    assert "error" not in result and result.get("pinged") == nid, result
    assert nid in result["reply"], result
