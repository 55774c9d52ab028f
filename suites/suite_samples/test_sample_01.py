"""A local test: plain Python on the master, no agents involved."""


def run():
    total = sum(range(10))
    assert total == 45, total
    # Returning None means PASS.
