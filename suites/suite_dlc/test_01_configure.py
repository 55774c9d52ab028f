"""lnet configure brings up the loopback net only; unconfigure takes everything down."""

import lutf
from lutf.lnet import LNet, LNetError


def run():
    node = LNet(target=lutf.get_target("MDS"))
    try:
        node.nets()
    except LNetError as error:
        assert error.descr == "Unspecific failure" and error.errno == -100, error  # 6.1's text
    else:
        return {"status": "FAIL", "error": "net show worked before lnet configure"}
    node.configure()
    nets = node.nets()
    assert [n["net type"] for n in nets] == ["lo"], nets
    assert nets[0]["local NI(s)"][0]["nid"] == "0@lo"
    node.configure()  # idempotent
    node.unconfigure()
    assert not node.configured()
