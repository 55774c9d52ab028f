"""The lst console's command line (LNET.md §7): no LST_SESSION (exit 255 and its message), usage
errors (exit 4), new_session/add_group/add_batch/add_test/run outputs, duplicate batch, unknown
test name, unknown batch, show_error on a clean group, a second new_session without --force, a
wrong session key, end_session; while lnet_selftest is loaded LNet cannot be unconfigured (-16
"Object busy", exit 240, §3.1), session or not, as on real LNet 6.1."""

from st_helpers import LNetError, Selftest, on_tcp


def run():
    (client, c0), (server, s0) = on_tcp("client", "OSS")
    console = Selftest(target=client.target)

    def lst(*args, key=4242):
        return console.lst(*args, key=key)

    r = lst("add_batch", "b", key=None)
    assert r["rc"] == 255 and r["stderr"] == "Can't find env LST_SESSION or value is not valid\n", r
    r = lst("new_session", "--force", "lutftest")
    assert r["rc"] == 0 and r["stdout"] == "SESSION: lutftest FEATURES: 1 TIMEOUT: 300 FORCE: Yes\n", r
    try:
        r = lst("add_batch")
        assert r["rc"] == 4 and r["stdout"] == "Usage: lst add_batch NAME\n", r
        r = lst("add_group", "clients", c0)
        assert r["rc"] == 0 and r["stdout"] == "%s are added to session\n" % c0, r
        r = lst("add_group", "servers", s0)
        assert r["rc"] == 0, r
        r = lst("add_group", "bad", "not-a-nid")
        assert r["stderr"] == ("Invalid nid: not-a-nid\nIgnore invalid id list not-a-nid\n"
                               "No nodes added successfully, deleting group bad\n"), r
        assert (r["rc"], r["stdout"]) == (0, "Group is deleted\n"), r
        r = lst("add_batch", "bulk")
        assert r["rc"] == 0 and r["stdout"] == "", r
        r = lst("add_batch", "bulk")
        assert r["rc"] == 255 and r["stderr"] == "batch already exists\n", r
        r = lst("add_test", "--batch", "bulk", "--from", "clients", "--to", "servers", "foo")
        assert (r["rc"], r["stderr"]) == (255, "Unknow test name foo\nFailed to add test (foo)\n"), r
        r = lst("add_test", "--batch", "bulk", "--concurrency", "2000", "--from", "clients", "--to", "servers", "ping")
        assert (r["rc"], r["stderr"]) == (255, "Invalid concurrency of test: 2000\n"), r
        r = lst("add_test", "--batch", "bulk", "--from", "clients", "--to", "servers", "brw", "write", "size=4k")
        assert r["rc"] == 0 and r["stdout"] == "Test was added successfully\n", r
        r = lst("run", "nosuch")
        assert r["rc"] == 255 and r["stderr"] == "Failed to get count of nodes from nosuch: No such file or directory\n", r
        r = lst("run", "bulk")
        assert r["rc"] == 0 and r["stdout"] == "bulk is running now\n", r

        # LNet is held by the selftest session.
        try:
            client.unconfigure()
        except LNetError as error:
            assert (error.errno, error.descr, error.rc) == (-16, "LNet configure error: Object busy", 240), error
        else:
            raise AssertionError("lnet unconfigure worked during a selftest session")

        r = lst("show_error", "clients")
        assert r["rc"] == 0 and r["stdout"] == "clients:\nTotal 0 error nodes in clients\n", r
        r = lst("stop", "bulk")
        assert r["rc"] == 0 and r["stdout"].endswith("Batch is stopped\n"), r
        # new_session without --force while one exists: the Netlink request fails and ends the
        # old session, and the legacy retry is refused too (6.1: "Operation not supported").
        r = lst("new_session", "second")
        assert r["rc"] == 255 and r["stderr"] == ("Reader error: 'new session creation failed' at 0\n"
                                                  "Failed to create session: Operation not supported\n"), r
        r = lst("show_session", key=9999)
        assert r["rc"] == 255 and r["stderr"] == "Reader error: 'session is not active' at 0\nNo session exists\n", r
        r = lst("run", "bulk")
        assert r["rc"] == 255 and r["stderr"] == "Failed to get count of nodes from bulk: No such process\n", r
        r = lst("add_batch", "other", key=9999)
        assert r["rc"] == 255 and r["stderr"] == "No session exists\n", r
    finally:
        r = lst("end_session")
    assert r["rc"] == 0, r
    r = lst("add_batch", "late")
    assert r["rc"] == 255 and r["stderr"] == "No session exists\n", r
    # The loaded lnet_selftest module, not the session, holds LNet: still busy until it goes.
    try:
        client.unconfigure()
    except LNetError as error:
        assert (error.errno, error.rc) == (-16, 240), error
    else:
        raise AssertionError("lnet unconfigure worked with lnet_selftest loaded")
    client.unload()
    client.configure()
    client.unconfigure()   # free again
