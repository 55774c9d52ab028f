"""import accepts either indentation style (the old cYAML export, LNET.md §3.17/§8); a global's
value must be a number (6.1 refuses `no`/`Yes` with -22 after applying what came before it);
globals apply (max_intf alias), and import --del of a global section resets the keys it names; an unreadable file is the cYAML "yaml: - builder:" error, exit 254."""

from dlc_helpers import configured, expect_error, expect_raw


OLD_STYLE = """net:
    - net type: tcp
      local NI(s):
        - interfaces:
              0: eth0
          tunables:
              peer_timeout: 90
              peer_credits: 12
              peer_buffer_credits: 0
              credits: 128
peer:
    - primary nid: 192.0.2.40@tcp
      Multi-Rail: True
      peer ni:
        - nid: 192.0.2.40@tcp
        - nid: 192.0.2.41@tcp
global:
    discovery: no
    drop_asym_route: Yes
    max_intf: 300
    numa_range: 2
"""


def run():
    node = configured("MDS")
    before = node.globals()
    expect_error(node, ["import"], -22, "invalid value 'no' for key 'discovery'", input=OLD_STYLE)
    (ni,) = node.nets(verbose=1, net="tcp")[0]["local NI(s)"]
    assert ni["nid"] == node.nid("eth0"), ni
    assert ni["tunables"] == {"peer_timeout": 90, "peer_credits": 12, "peer_buffer_credits": 0, "credits": 128}, ni
    assert node.peer_nids("192.0.2.41@tcp") == ["192.0.2.40@tcp", "192.0.2.41@tcp"], node.peers()
    assert node.globals() == before, (node.globals(), before)

    node.import_config("global:\n    discovery: 0\n    drop_asym_route: 1\n    max_intf: 300\n    numa_range: 2\n")
    g = node.globals()
    assert (g["discovery"], g["drop_asym_route"], g["max_interfaces"], g["numa_range"]) == (0, 1, 300, 2), g

    # import --del of a global section puts back the default of each key it names, only those.
    node.import_config("global:\n    discovery: 0\n", delete=True)
    g = node.globals()
    assert (g["discovery"], g["max_interfaces"], g["numa_range"]) == (1, 300, 2), g

    r = expect_raw(node, ["import", "/nonexistent/lnet.yaml"], 254)
    assert r["stderr"] == ("yaml:\n    - builder:\n          errno: -1\n"
                           "          descr: cannot open '/nonexistent/lnet.yaml': No such file or directory\n"), r
