"""A deliberate failure, listed in skip.py's expected_failures: recorded, but the run passes."""


def run():
    assert 1 + 1 == 3, "arithmetic still works"
