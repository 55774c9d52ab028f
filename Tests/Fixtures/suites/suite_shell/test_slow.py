"""Sleeps long enough to be interrupted from the shell with Ctrl-C."""

import time


def run():
    time.sleep(120)
