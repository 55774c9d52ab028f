"""After a guest died, the others still answer."""

import lutf
from lutf.lnet import LNet


def run():
    survivors = lutf.agents()
    assert len(survivors) >= 1
    lnet = LNet(target=survivors[0])
    lnet.configure()
    lnet.add_net("tcp", "eth0")
    assert lnet.nids() == [lnet.nid("eth0")]
