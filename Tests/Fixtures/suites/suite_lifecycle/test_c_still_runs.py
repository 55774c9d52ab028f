"""After an agent died, the other agents still answer."""

import lutf


def hello():
    return lutf.me.name


def run():
    names = [a.name for a in lutf.agents()]
    assert "client1" not in names, names
    for name in names:
        got = lutf.call(name, hello)
        assert got == name, "%s answered %r" % (name, got)
