"""A guest crashes during the test (a kernel panic through sysrq): the test fails naming the
node, and the run goes on."""

import lutf


class Crash(lutf.BaseTest):
    def panic(self):
        with open("/proc/sysrq-trigger", "w") as trigger:
            trigger.write("c")


def run():
    victim = lutf.agents()[-1]
    Crash(target=victim).panic()
    raise AssertionError("the crash call returned")
