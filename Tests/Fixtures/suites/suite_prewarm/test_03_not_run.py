"""Never runs under --fail-fast: its process, started while test 02 ran, must go with its directory."""


def run():
    pass
