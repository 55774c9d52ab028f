"""A test that needs more nodes than the cluster has is skipped, with the reason."""

import lutf


def run():
    nodes = lutf.require_agents(64)  # raises lutf.Skip naming how many agents exist
    return {"status": "FAIL", "error": "got %d agents?" % len(nodes)}
