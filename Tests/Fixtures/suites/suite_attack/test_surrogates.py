"""Strings that are not valid UTF-8 (what os.listdir gives for a non-UTF-8 file name) cross every
channel: returned and printed by a remote function while another call runs on the same worker;
both calls come back, the odd character as U+FFFD."""

import threading

import lutf


def odd():
    text = b"name-\xff".decode("utf-8", "surrogateescape")
    print("printed %s" % text)
    return text


def slow():
    import time
    time.sleep(0.5)
    return "slow done"


def run():
    agent = lutf.agents()[0]
    results = {}
    worker = threading.Thread(target=lambda: results.update(slow=lutf.call(agent, slow)))
    worker.start()
    results["odd"] = lutf.call(agent, odd)
    worker.join(30)
    assert results == {"odd": "name-\ufffd", "slow": "slow done"}, results
    print("script %s" % b"\xfe".decode("utf-8", "surrogateescape"))
