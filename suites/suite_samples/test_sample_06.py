"""Deadlines: TIMEOUT sets this script's deadline; a remote call can have its own timeout."""

import time

import lutf

TIMEOUT = 60


def slow(seconds):
    time.sleep(seconds)
    return seconds


def quick():
    return "still here"


def run():
    target = lutf.get_target("client")
    started = time.time()
    try:
        lutf.call(target, slow, 30, timeout=0.5)
    except lutf.TimeoutError as error:
        assert time.time() - started < 5, "the call waited past its timeout"
        assert target.name in str(error), str(error)
    else:
        return {"status": "FAIL", "error": "the slow call did not time out"}
    # The agent's worker still answers other calls while the slow one runs on.
    assert lutf.call(target, quick) == "still here"
