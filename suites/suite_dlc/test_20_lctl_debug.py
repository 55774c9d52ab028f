"""lctl's debug mask and log (LNET.md §6): the default mask, +net/-net and plain tokens (which
start from the mandatory warning/error/emerg/console), numbers, an unknown token refused (exit
22); lctl mark records "DEBUG MARKER: <text>" and a capture between marks holds the config
records LNet wrote (net add) with the documented record layout."""

import re

import lutf

from dlc_helpers import LNetError, configured
from lutf.lctl import LCtl

DEFAULT = "ioctl neterror warning error emerg ha config console lfsck"
RECORD = re.compile(r"^[0-9a-f]{8}:[0-9a-f]{8}:\d+\.\d+F?:\d+\.\d{6}:\d+:\d+:\d+:\([^:]+:\d+:[^)]+\(\)\) .*$")


def run():
    node = configured("MDS")
    lctl = LCtl(target=lutf.get_target("MDS"))
    assert lctl.debug_mask() == DEFAULT, lctl.debug_mask()
    assert node.lctl("get_param", "debug") == "debug=%s\n" % DEFAULT
    assert node.lctl("set_param", "debug=+net") == "debug=+net\n"
    assert lctl.debug_mask().split() == DEFAULT.split()[:2] + ["net"] + DEFAULT.split()[2:], lctl.debug_mask()
    lctl.set_debug("-net")
    assert lctl.debug_mask() == DEFAULT
    lctl.set_debug("config")   # plain token: replaces, from the mandatory set
    assert lctl.debug_mask() == "warning error emerg config console", lctl.debug_mask()
    lctl.set_debug("0")
    assert lctl.debug_mask() == "0"
    try:
        node.lctl("set_param", "debug=bogus")
    except LNetError as error:
        # Two lines on 6.1: the sysfs path, then the parameter as given.
        assert error.rc == 22 and error.stderr.startswith("error: set_param: setting ") and error.stderr.endswith(
            "error: set_param: setting 'debug'='bogus': Invalid argument\n"), error.stderr
    else:
        raise AssertionError("set_param debug=bogus worked")
    lctl.set_debug("default")
    assert lctl.debug_mask() == DEFAULT

    marker = lctl.start_capture("dlc")
    node.add_net("tcp", "eth0")
    lines = lctl.stop_capture(marker)
    assert lines, "nothing logged after the marker"
    assert all(RECORD.match(line) for line in lines), [l for l in lines if not RECORD.match(l)]
    assert any("Added LNI %s" % node.nid("eth0") in line for line in lines), lines
    dump = node.lctl("dk")  # the buffer was cleared by the capture
    assert dump.splitlines()[-1].startswith("Debug log: "), dump
