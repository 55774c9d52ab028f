"""lnetctl set PARAM VALUE validation, exactly as LNET.md §3.12: unparsable values are cYAML
"parser: - set:" errors (errno -1, exit 255); kernel refusals are -61 "cannot configure ..."
(exit 195); response_tracking/recovery_limit/max_recovery_ping_interval checks are -22 (exit 234);
negative buffers -34 (exit 222); no value prints help (exit 234); nothing changes on failure."""

from dlc_helpers import configured, expect_cyaml_error, expect_error, expect_raw


def parser(node, param, value, descr):
    return expect_error(node, ["set", param, value], -1, descr, rc=255)


def run():
    node = configured("client")
    before = node.globals()

    parser(node, "discovery", "abc", "cannot parse discovery value")
    parser(node, "retry_count", "1x", "cannot parse retry_count value")
    parser(node, "transaction_timeout", "x", "cannot parse transaction timeout value")
    parser(node, "health_sensitivity", "x", "cannot parse health sensitivity value")
    parser(node, "recovery_interval", "x", "cannot parse recovery interval value")
    parser(node, "router_sensitivity", "x", "cannot parse router sensitivity value")
    parser(node, "max_recovery_ping_interval", "x", "cannot parse maximum recovery interval value")
    # An empty value is strtol's 0 (lnetctl checks only where it stopped): max_interfaces
    # below 16 means the default, nothing changes.
    expect_raw(node, ["set", "max_interfaces", ""], 0, stdout="", stderr="")
    error = expect_raw(node, ["set", "routing", "2"], 255)
    assert error["stderr"] == ("parser:\n    - set:\n          errno: -1\n"
                               "          descr: cannot parse routing value.\n"
                               "                 must be 0 for disable or 1 for enable\n"), error["stderr"]
    full = expect_raw(node, ["set", "discovery", "abc"], 255)["stderr"]
    assert full == "parser:\n    - set:\n          errno: -1\n          descr: cannot parse discovery value\n", full

    def refused(param, value, entity, what):
        message = "cannot configure %s: Invalid argument" % what
        expect_cyaml_error(node, ["set", param, value], "add", entity, -61, message, rc=195)

    refused("retry_count", "151", "retry_count", "retry count")           # > transaction_timeout
    refused("transaction_timeout", "2", "transaction_timeout", "transaction timeout")  # not > retry_count (2)
    refused("transaction_timeout", "0", "transaction_timeout", "transaction timeout")
    refused("health_sensitivity", "1001", "health_sensitivity", "health sensitivity")
    refused("router_sensitivity", "101", "router_sensitivity", "router health sensitivity")
    # Any value but 0 enables discovery (it is on already): -1 too, on 6.1.
    expect_raw(node, ["set", "discovery", "-1"], 0, stdout="", stderr="")
    expect_cyaml_error(node, ["set", "response_tracking", "4"], "add", "response_tracking", -22,
                       "Valid values are: 0, 1, 2, or 3", rc=234)
    expect_cyaml_error(node, ["set", "recovery_limit", "-1"], "add", "recovery_limit", -22,
                       "Must be greater than or equal to 0", rc=234)
    expect_cyaml_error(node, ["set", "max_recovery_ping_interval", "0"], "add", "maximum recovery ping interval", -22,
                       "must be strictly positive", rc=234)
    expect_cyaml_error(node, ["set", "tiny_buffers", "-2"], "add", "buf", -34, "tiny, small and large must be >= 0",
                       rc=222)
    assert node.globals() == before, (node.globals(), before)

    # retry_count > 0 while health_sensitivity is 0 is refused.
    node.set_global("health_sensitivity", 0)
    refused("retry_count", "1", "retry_count", "retry count")
    assert node.globals()["retry_count"] == 0

    # No value: the parameter's help on stdout, exit 234 (max_recovery_ping_interval: nothing).
    expect_raw(node, ["set", "discovery"], 234, stdout_has="set discovery: enable/disable peer discovery")
    expect_raw(node, ["set", "max_recovery_ping_interval"], 234, stdout="")
    # set with no parameter: every parameter's help, exit 234.
    expect_raw(node, ["set"], 234, stdout_has="set routing: enable/disable routing")
