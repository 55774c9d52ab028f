"""Run before every script of the suite (unless `lutf run --no-clean`)."""

import lutf


def lutf_clean_setup():
    # Every sample needs at least one agent; fail early and clearly if none is there.
    if not lutf.agents():
        raise RuntimeError("no agents are connected")
