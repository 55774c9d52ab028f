"""global show: the 13 keys in LNET.md §3.13's order with their defaults (text byte-for-byte,
Printer B); set changes show up (discovery/drop_asym_route normalised to 1, max_interfaces < 16
back to the default, lnd_timeout derived from transaction_timeout and retry_count,
health_sensitivity 0 forcing retry_count 0, recovery_interval never changing, numa_range a u32,
values parsed as C strtol base 0)."""

from dlc_helpers import configured

DEFAULTS = [("numa_range", 0), ("max_interfaces", 4096), ("discovery", 1), ("drop_asym_route", 0),
            ("retry_count", 2), ("transaction_timeout", 150), ("health_sensitivity", 100),
            ("recovery_interval", 1), ("router_sensitivity", 100), ("lnd_timeout", 49),
            ("response_tracking", 3), ("recovery_limit", 0), ("max_recovery_ping_interval", 900)]


def run():
    node = configured("OSS")
    text = node.lnetctl_raw("global", "show")
    expected = "global:\n" + "".join("    %s: %d\n" % kv for kv in DEFAULTS)
    assert text["rc"] == 0 and text["stdout"] == expected, text
    assert list(node.globals().items()) == DEFAULTS

    changes = {"numa_range": 3, "max_interfaces": 300, "discovery": 7, "drop_asym_route": 5, "retry_count": 4,
               "transaction_timeout": 101, "router_sensitivity": 50, "response_tracking": 1, "recovery_limit": 30,
               "max_recovery_ping_interval": 60, "recovery_interval": 9}
    for name, value in changes.items():
        node.set_global(name, value)
    g = node.globals()
    assert list(g) == [k for k, _ in DEFAULTS], list(g)
    expected = dict(DEFAULTS, numa_range=3, max_interfaces=300, discovery=1, drop_asym_route=1, retry_count=4,
                    transaction_timeout=101, router_sensitivity=50, response_tracking=1, recovery_limit=30,
                    max_recovery_ping_interval=60, lnd_timeout=(101 - 1) // (4 + 1))
    assert g == expected, "global show %r, expected %r" % (g, expected)

    node.set_global("max_interfaces", 5)       # < 16: silently the default
    node.set_global("discovery", 0)
    node.set_global("health_sensitivity", 0)   # forces retry_count to 0
    g = node.globals()
    assert g["max_interfaces"] == 4096 and g["discovery"] == 0, g
    assert g["health_sensitivity"] == 0 and g["retry_count"] == 0, g
    assert g["lnd_timeout"] == 100, g          # (101-1)/(0+1)
    # numa_range is stored as a u32.
    node.set_global("numa_range", -1)
    assert node.globals()["numa_range"] == 4294967295, node.globals()
    # Hex and octal values are parsed as C strtol(..., 0) does.
    node.set_global("recovery_limit", "0x10")
    node.set_global("max_recovery_ping_interval", "010")
    g = node.globals()
    assert g["recovery_limit"] == 16 and g["max_recovery_ping_interval"] == 8, g
