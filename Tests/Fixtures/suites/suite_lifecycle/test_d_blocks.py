"""Blocks until the harness kills `lutf run` (for the results-survive test)."""

import os
import time

TIMEOUT = 120


def run(params):
    if not params.get("block"):
        return
    with open(params["marker"] + ".blocked", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(120)
