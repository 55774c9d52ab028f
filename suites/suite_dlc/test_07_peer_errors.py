"""peer add/del/show errors as real LNet (6.1, c881f8eb) gives them: NID-list parse errors (stdout
"can't parse nidrange" naming the range, then the quoted parser message with its errno), kernel
refusals of primary/secondary NIDs and of unknown peers (exit 234, nothing printed: the messages
LNET.md §3.6-3.8 gives are older kernels'), a failed add deleting the primary's peer, --non_mr on del,
no-argument help (exit 234); the peers left are exactly the expected ones."""

from dlc_helpers import configured, expect_error, expect_raw, peer_nids


def add_fails(node, nidlist, errno, message, names=None):
    """peer add with a bad --nid list: stdout names the range the parser refused (``names``: the
    address before ``@``, or nothing for a list that parses but expands to no or too many NIDs),
    stderr the parser's error."""
    error = expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.1@tcp", "--nid", nidlist], errno, message)
    want = "" if names == "" else "can't parse nidrange: \"%s\"\n" % (names or nidlist.split("@")[0])
    assert error.stdout == want, error.stdout
    return error


def refused(node, args):
    """A refusal by the kernel: on 6.1 with c881f8eb's lnetctl, exit 234 and nothing printed."""
    expect_raw(node, args, 234, stdout="", stderr="")


def run():
    node = configured("OSS")
    node.add_net("tcp", "eth0")

    add_fails(node, "1.1.1.[3-1]@tcp", -34, '"Unable to parse nidlist: range is wrong order"')
    add_fails(node, "1.1.1.1", -22, '"Unable to parse nidlist: no valid NIDs in string"')
    add_fails(node, "1.1.1.*@tcp", -22, "asterisk not allowed in nidstring", names="1.1.1.*@tcp")
    add_fails(node, "1.1.1.[1-2@tcp", -22, '"Unable to parse nidlist: incomplete bracket set"')
    add_fails(node, "1.1.1.[1-]@tcp", -34, '"Unable to parse nidlist: range needs number after -"')
    add_fails(node, "1.1.1.[a]@tcp", -2, "Unable to parse nidlist: did not expand to any nids", names="")
    add_fails(node, "1.1.1.300@tcp", -22, '"Unable to parse nidlist: invalid NID in nidstr"')
    add_fails(node, "1.1.[1-128].[1-2]@tcp", -7, "Unable to parse nidlist: specifies more NIDs than allowed",
              names="")
    expect_raw(node, ["peer", "show"], 0, stdout="")  # nothing was created

    # Kernel checks (LNET.md gives the messages of older kernels; 6.1 prints none).
    refused(node, ["peer", "add", "--nid", "192.0.2.5@tcp"])
    refused(node, ["peer", "add", "--prim_nid", "1.1.1.300@tcp"])
    # Bracket-expanded NIDs are not validated client-side: the kernel refuses 1.1.1.256, and the
    # failed add deletes the primary's peer.
    refused(node, ["peer", "add", "--prim_nid", "192.0.2.9@tcp", "--nid", "1.1.1.[255-256]@tcp"])
    refused(node, ["peer", "show", "--nid", "192.0.2.9@tcp"])

    node.add_peer("192.0.2.1@tcp", ["192.0.2.2@tcp"])
    node.add_peer("192.0.2.3@tcp")
    # A primary that is a secondary of a configured peer.
    refused(node, ["peer", "add", "--prim_nid", "192.0.2.2@tcp"])
    # A secondary already on another configured peer: fails, and the (pre-existing) primary's peer goes.
    refused(node, ["peer", "add", "--prim_nid", "192.0.2.3@tcp", "--nid", "192.0.2.2@tcp"])
    assert node.peer("192.0.2.3@tcp") is None, node.peers()
    assert peer_nids(node.peer("192.0.2.1@tcp")) == ["192.0.2.1@tcp", "192.0.2.2@tcp"]

    # peer del / show errors.
    refused(node, ["peer", "del", "--prim_nid", "192.0.2.99@tcp"])
    refused(node, ["peer", "del", "--prim_nid", "192.0.2.2@tcp"])  # not the primary
    refused(node, ["peer", "del", "--prim_nid", "192.0.2.1@tcp", "--nid", "192.0.2.98@tcp"])
    refused(node, ["peer", "show", "--nid", "192.0.2.99@tcp"])
    bad = expect_raw(node, ["peer", "del", "--prim_nid", "192.0.2.1@tcp", "--non_mr"], 234)
    assert bad["stderr"] == "peer:\n    - del:\n          errno: -22\n          descr: Unrecognized option '-m'\n", bad
    # No argument at all: the subcommand's help on stdout, exit 234.
    expect_raw(node, ["peer", "add"], 234, stdout_has="peer add: add a peer")
    expect_raw(node, ["peer", "del"], 234, stdout_has="peer del: delete a peer NID")

    # After all that, exactly the one good peer remains.
    assert [(p["primary nid"], peer_nids(p)) for p in node.peers()] == [
        ("192.0.2.1@tcp", ["192.0.2.1@tcp", "192.0.2.2@tcp"])], node.peers()
