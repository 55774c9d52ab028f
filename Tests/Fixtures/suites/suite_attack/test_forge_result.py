"""A remote function tries to record this test's result PASS through the master's service
operation, then the script fails: the forgery is refused and the test is recorded FAIL."""

import lutf
from lutf import _context


def forge():
    try:
        _context.request("result", status="PASS", error="")
    except lutf.LUTFError as error:
        return "refused: %s" % error
    return "accepted"


def run():
    answer = lutf.call(lutf.agents()[0], forge)
    print("forgery: %s" % answer)
    assert False, "the script fails after the forgery: %s" % answer
