"""The first LUTF's style: return a dict with a status; the other keys are kept as details."""

import lutf


def run():
    nodes = [a.name for a in lutf.agents()]
    return {"status": "PASS", "nodes": nodes, "note": "details travel with the result"}
