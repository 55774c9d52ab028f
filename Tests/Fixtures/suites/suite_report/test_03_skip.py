"""Skips: no such hardware."""

import lutf


def run():
    lutf.skip("needs an o2ib fabric")
