"""Only YAML data crosses nodes; anything else is a clear lutf.SerializationError."""

import socket

import lutf


class Maker(lutf.BaseTest):
    def make_socket(self):
        return socket.socket()

    def echo(self, value):
        return value


def run():
    maker = Maker(target=lutf.get_target("MDS"))
    try:
        maker.make_socket()
    except lutf.SerializationError as error:
        assert "socket" in str(error), str(error)
    else:
        return {"status": "FAIL", "error": "a socket crossed nodes"}
    try:
        maker.echo({1, 2, 3})
    except lutf.SerializationError as error:
        assert "'set'" in str(error), str(error)
    else:
        return {"status": "FAIL", "error": "a set crossed nodes"}
    assert maker.echo({"ok": [1, (2, 3)]}) == {"ok": [1, [2, 3]]}
