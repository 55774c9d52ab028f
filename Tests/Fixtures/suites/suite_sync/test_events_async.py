"""Agents post asynchronous events, with payloads far larger than 4 KiB, to a subscriber."""

import lutf


def post(index):
    big = "x" * (64 * 1024)
    lutf.events.post("link.%d" % index, {"index": index, "data": big})
    lutf.events.post("other.%d" % index, None)


def run():
    subscription = lutf.events.subscribe("link.*")
    nodes = lutf.agents()
    for i, node in enumerate(nodes):
        lutf.call(node, post, i)
    got = sorted(subscription.get(timeout=10)[1]["index"] for _ in nodes)
    assert got == list(range(len(nodes))), got
    try:
        subscription.get(timeout=0.5)
    except lutf.TimeoutError:
        pass
    else:
        return {"status": "FAIL", "error": "an 'other.*' event reached a 'link.*' subscription"}
