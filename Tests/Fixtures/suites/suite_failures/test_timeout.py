"""Runs past its TIMEOUT with a call still running on an agent; both must be stopped."""

import os
import time

import lutf

TIMEOUT = 3


def record_and_sleep(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(120)


def run(params):
    with open(params["marker"] + ".host", "w") as f:
        f.write(str(os.getpid()))
    lutf.call(lutf.get_target("client"), record_and_sleep, params["marker"] + ".worker")
