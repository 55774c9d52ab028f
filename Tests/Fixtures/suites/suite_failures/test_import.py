import no_such_module_for_lutf  # noqa: F401


def run():
    pass
