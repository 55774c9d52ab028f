"""The agent's Python worker dies during a call: a clear error, then a fresh worker."""

import os

import lutf


def die():
    os._exit(9)


def pid():
    return os.getpid()


def run():
    target = lutf.get_target("OSS")
    before = lutf.call(target, pid)
    try:
        lutf.call(target, die)
    except lutf.LUTFError as error:
        assert "Python worker on agent '%s' died" % target.name in str(error), str(error)
    else:
        return {"status": "FAIL", "error": "no error from a dying worker"}
    after = lutf.call(target, pid)
    assert after != before, "the worker was not replaced"
