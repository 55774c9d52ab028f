"""lnet configure --all on a freshly loaded LNet starts lo plus the default `networks` net: one tcp
NI on the first up interface (LNET.md §3.1); the quirk: after a plain `lnet configure`, a later
`--all` (until the module is reloaded) ignores `networks` and starts lo only."""

import lutf

from dlc_helpers import LNet


def run():
    node = LNet(target=lutf.get_target("OSS"))
    first = node.interfaces()[0]
    node.configure(all=True)
    nets = node.nets()
    assert [n["net type"] for n in nets] == ["lo", "tcp"], nets
    assert [ni["nid"] for ni in nets[1]["local NI(s)"]] == [node.nid(first)], nets
    assert nets[1]["local NI(s)"][0]["interfaces"] == {"0": first}, nets
    node.configure(all=True)   # idempotent: still one tcp NI
    assert node.nids() == [node.nid(first)], node.nids()

    node.unconfigure()
    node.configure()
    node.unconfigure()
    node.configure(all=True)
    assert [n["net type"] for n in node.nets()] == ["lo"], node.nets()

    node.unload()              # a reload clears the quirk
    node.configure(all=True)
    assert node.nids() == [node.nid(first)], node.nids()
