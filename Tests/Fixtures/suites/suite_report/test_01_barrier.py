"""Three agents and the script meet at a barrier; each agent answers a call first (the report's
timeline shows the calls as bars and the barrier's arrivals and release on every lane)."""

import threading

import lutf


class Party(lutf.BaseTest):
    def __init__(self, parties, target=None):
        super().__init__(target)
        self.parties = parties

    def hostname(self):
        import socket
        return socket.gethostname()

    def meet(self):
        lutf.barrier("meet", parties=self.parties, timeout=20)
        return True


def run():
    nodes = lutf.require_agents(3)
    names = [n.name for n in nodes] + ["master"]
    parties = [Party(names, target=n) for n in nodes]
    for party in parties:
        party.hostname()
    errors = []

    def go(party):
        try:
            party.meet()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=go, args=(p,)) for p in parties]
    for t in threads:
        t.start()
    lutf.barrier("meet", parties=names, timeout=20)
    for t in threads:
        t.join(30)
    assert not errors, errors
