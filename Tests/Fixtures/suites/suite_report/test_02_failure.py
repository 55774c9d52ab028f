"""Fails on an agent: the report shows the remote traceback, and what the test printed as text
(a test printing markup gets those characters on the page, not markup)."""

import lutf


class Breaker(lutf.BaseTest):
    def fail(self):
        raise ValueError("peer ni already on another peer")


def run():
    print("<script>alert('printed by the test')</script>")
    node = lutf.require_agents(1)[0]
    Breaker(target=node).fail()
