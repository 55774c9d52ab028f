"""An exception raised on an agent comes back as lutf.RemoteError, naming the node."""

import lutf


class Breaker(lutf.BaseTest):
    def explode(self, why):
        raise ValueError("refusing to configure: %s" % why)


def run():
    target = lutf.get_target("MDS")
    breaker = Breaker(target=target)
    try:
        breaker.explode("bad nid")
    except lutf.RemoteError as error:
        assert error.node == target.name, error.node
        assert error.remote_type == "ValueError", error.remote_type
        assert error.remote_message == "refusing to configure: bad nid", error.remote_message
        assert "raise ValueError" in error.remote_traceback, error.remote_traceback
        assert target.name in str(error), str(error)
        return lutf.PASS
    return {"status": "FAIL", "error": "no exception came back from %s" % target.name}
