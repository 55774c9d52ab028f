"""Listed in skip.py's skip_list: never run, reported SKIP "skip list"."""


def run():
    raise RuntimeError("a skip-listed test must not run")
