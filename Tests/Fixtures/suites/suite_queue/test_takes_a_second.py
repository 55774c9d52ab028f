"""Takes a second, so a second run submitted meanwhile has to wait in the queue."""

import time


def run():
    time.sleep(1)
