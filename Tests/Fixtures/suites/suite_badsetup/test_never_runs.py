def run():
    raise AssertionError("must not run after a failed setup")
