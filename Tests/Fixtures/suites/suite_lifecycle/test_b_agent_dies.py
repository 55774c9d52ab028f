"""Waits in a call on an agent that the test harness kills: the call fails naming the agent."""

import os
import time

import lutf

TIMEOUT = 60


def agent_pid_then_wait(path):
    with open(path, "w") as f:
        f.write(str(os.getppid()))  # the worker's parent is the agent
    time.sleep(60)


def run(params):
    lutf.call(lutf.get_target("client"), agent_pid_then_wait, params["marker"] + ".agent")
