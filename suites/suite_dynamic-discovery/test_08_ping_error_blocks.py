"""ping errors that are not per-target failures are Printer A blocks on stderr, nothing on stdout
(LNET.md §3.15, §2.2: indent 6, `---`/`...`, descr double-quoted with `! `, exit 234): a NID list
that does not parse is `manage: -     ping:` with the parser's errno and its quoted message
(§5.2), and so is a ping while LNet is down (-100, "Unspecific failure" on 6.1)."""

import lutf

from dd_helpers import LNet, node_on


def block(obj, errno, descr):
    return "---\nmanage:\n-     %s:\n      errno: %d\n      descr: ! \"%s\"\n...\n" % (
        obj, errno, descr.replace('"', '\\"'))


def run():
    client, _ = node_on("client", ["eth0"])
    r = client.lnetctl_raw("ping", "1.1.1.[3-1]@tcp")
    expected = block("ping", -34, '"Unable to parse nidlist: range is wrong order"')
    assert r["rc"] == 234 and r["stdout"] == "" and r["stderr"] == expected, (r, expected)

    down = LNet(target=lutf.get_target("MDS", distinct=True))
    r = down.lnetctl_raw("ping", "192.0.2.1@tcp")
    expected = block("ping", -100, "Unspecific failure")
    assert r["rc"] == 234 and r["stdout"] == "" and r["stderr"] == expected, (r, expected)
