"""routing show prints nothing until routing is first enabled; then the cpt pools and buffers of
LNET.md §3.11 with the defaults (tiny 2048 npages 0, small 16384 npages 1, large 1024 npages 256,
credits = mincredits = nbuffers) and enable 3 (starting); set tiny/small/large_buffers grows
them (a smaller count is accepted and changes nothing, on 6.1), is ignored while routing is
disabled; export shows the routing and buffers sections."""

import lutf._yaml as yaml

from topology import Topology


def pools(router):
    shown = router.routing()
    cpts = [item for item in shown["routing"] if any(k.startswith("cpt[") for k in item)]
    enable = [item["enable"] for item in shown["routing"] if "enable" in item]
    return cpts, enable, shown["buffers"]


def run():
    topo = Topology()
    router = topo.router
    result = router.lnetctl_raw("routing", "show")
    assert result == {"rc": 0, "stdout": "", "stderr": ""}, result
    router.set_global("tiny_buffers", 4096)  # routing disabled: accepted, no effect
    assert router.lnetctl_raw("routing", "show")["stdout"] == ""

    router.set_routing(True)
    cpts, enable, buffers = pools(router)
    assert enable == [3], enable  # 3 ("starting") for ~110 s after set routing 1 (test_04)
    assert buffers == {"tiny": 2048, "small": 16384, "large": 1024}, buffers
    totals = {"tiny": 0, "small": 0, "large": 0}
    for index, item in enumerate(cpts):
        pool = item["cpt[%d]" % index]
        assert list(pool) == ["tiny", "small", "large"], pool
        for name, npages in (("tiny", 0), ("small", 1), ("large", 256)):
            p = pool[name]
            assert list(p) == ["npages", "nbuffers", "credits", "mincredits"], p
            assert p["npages"] == npages and p["credits"] == p["mincredits"] == p["nbuffers"] >= 1, p
            totals[name] += p["nbuffers"]
    assert totals == buffers, (totals, buffers)

    router.set_global("tiny_buffers", 4096)
    router.set_global("small_buffers", 20000)
    # (Large buffers are 1 MiB each: the default 1024 is already half of a 2 GiB guest, and 2048
    # fails with ENOMEM there.)
    router.set_global("large_buffers", 1040)
    assert pools(router)[2] == {"tiny": 4096, "small": 20000, "large": 1040}, pools(router)
    router.set_global("large_buffers", 512)   # smaller: accepted, and a pool never shrinks (6.1)
    assert pools(router)[2]["large"] == 1040, pools(router)

    exported = yaml.load(router.export())
    assert exported["buffers"] == {"tiny": 4096, "small": 20000, "large": 1040}, exported.get("buffers")
    assert "routing" in exported, exported
    backup = router.export(backup=True)
    assert "routing:\n    enable: " in backup and "buffers:\n    tiny: 4096\n" in backup, backup
