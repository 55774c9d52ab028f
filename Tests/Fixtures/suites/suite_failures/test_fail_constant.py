import lutf


def run():
    return lutf.FAIL
