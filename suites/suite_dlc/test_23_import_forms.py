"""import accepts either indentation style (the old cYAML export, LNET.md §3.17/§8) and boolean
words for values (no/off -> 0, yes/on -> 1), applies globals (max_intf alias), and import --del of
a global section resets numa_range, max_interfaces and discovery; an unreadable file is the cYAML
"yaml: - builder:" error."""

from dlc_helpers import configured, expect_raw


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
    node.import_config(OLD_STYLE)
    (ni,) = node.nets(verbose=1, net="tcp")[0]["local NI(s)"]
    assert ni["nid"] == node.nid("eth0"), ni
    assert ni["tunables"] == {"peer_timeout": 90, "peer_credits": 12, "peer_buffer_credits": 0, "credits": 128}, ni
    assert node.peer_nids("192.0.2.41@tcp") == ["192.0.2.40@tcp", "192.0.2.41@tcp"], node.peers()
    g = node.globals()
    assert (g["discovery"], g["drop_asym_route"], g["max_interfaces"], g["numa_range"]) == (0, 1, 300, 2), g

    node.import_config("global:\n    discovery: 0\n", delete=True)
    g = node.globals()
    assert (g["discovery"], g["max_interfaces"], g["numa_range"]) == (1, 4096, 0), g

    r = expect_raw(node, ["import", "/nonexistent/lnet.yaml"], 255)
    assert r["stderr"] == ("yaml:\n    - builder:\n          errno: -1\n"
                           "          descr: cannot open '/nonexistent/lnet.yaml': No such file or directory\n"), r
