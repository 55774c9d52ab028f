"""Runs in the process started for it during test 01, sees test 03's, and fails (--fail-fast)."""

import os

from prewarm_helpers import next_host


def run(params):
    with open(params["marker"] + ".2", "w") as f:
        f.write("%d %d\n" % (os.getpid(), next_host()))
    assert False, "failing on purpose"
