"""peer add/del/show errors exactly as LNET.md §3.6-3.8 and §5.2 give them: NID-list parse errors
(stdout "can't parse nidrange" then the quoted parser message with its errno), kernel refusals of
primary/secondary NIDs, a failed add deleting the primary's peer, unknown peers, --non_mr on del,
no-argument help (exit 234); the peers left are exactly the expected ones."""

from dlc_helpers import configured, expect_error, expect_raw, peer_nids


def add_fails(node, nidlist, errno, message):
    """peer add with a bad --nid list: stdout names the list, stderr the parser's error."""
    error = expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.1@tcp", "--nid", nidlist], errno, message)
    assert error.stdout == "can't parse nidrange: \"%s\"\n" % nidlist, error.stdout
    return error


def run():
    node = configured("OSS")
    node.add_net("tcp", "eth0")

    add_fails(node, "1.1.1.[3-1]@tcp", -34, '"Unable to parse nidlist: range is wrong order"')
    add_fails(node, "1.1.1.1", -22, '"Unable to parse nidlist: no valid NIDs in string"')
    add_fails(node, "1.1.1.*@tcp", -22, "asterisk not allowed in nidstring")
    add_fails(node, "1.1.1.[1-2@tcp", -22, '"Unable to parse nidlist: incomplete bracket set"')
    add_fails(node, "1.1.1.[1-]@tcp", -22, '"Unable to parse nidlist: range needs number after -"')
    add_fails(node, "1.1.1.[a]@tcp", -22, '"Unable to parse nidlist: invalid character in range"')
    add_fails(node, "1.1.1.300@tcp", -22, '"Unable to parse nidlist: invalid NID in nidstr"')
    add_fails(node, "1.1.[1-128].[1-2]@tcp", -7, "Unable to parse nidlist: specifies more NIDs than allowed")
    expect_raw(node, ["peer", "show"], 0, stdout="")  # nothing was created

    # Kernel checks.
    expect_error(node, ["peer", "add", "--nid", "192.0.2.5@tcp"], -42, "no configuration")
    expect_error(node, ["peer", "add", "--prim_nid", "1.1.1.300@tcp"], -22, "unsupported primary NID")
    # Bracket-expanded NIDs are not validated client-side: the kernel refuses 1.1.1.256, and the
    # failed add deletes the primary's peer.
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.9@tcp", "--nid", "1.1.1.[255-256]@tcp"], -22,
                 "unsupported secondary NID")
    assert node.peer("192.0.2.9@tcp") is None, node.peers()

    node.add_peer("192.0.2.1@tcp", ["192.0.2.2@tcp"])
    node.add_peer("192.0.2.3@tcp")
    # A primary that is a secondary of a configured peer.
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.2@tcp"], -17, "failed to add primary peer")
    # A secondary already on another configured peer: fails, and the (pre-existing) primary's peer goes.
    expect_error(node, ["peer", "add", "--prim_nid", "192.0.2.3@tcp", "--nid", "192.0.2.2@tcp"], -17,
                 "failed to add peer")
    assert node.peer("192.0.2.3@tcp") is None, node.peers()
    assert peer_nids(node.peer("192.0.2.1@tcp")) == ["192.0.2.1@tcp", "192.0.2.2@tcp"]

    # peer del / show errors.
    expect_error(node, ["peer", "del", "--prim_nid", "192.0.2.99@tcp"], -2, "failed to del primary peer")
    expect_error(node, ["peer", "del", "--prim_nid", "192.0.2.2@tcp"], -19, None)  # not the primary
    expect_error(node, ["peer", "del", "--prim_nid", "192.0.2.1@tcp", "--nid", "192.0.2.98@tcp"], -2,
                 "failed to del peer")
    expect_error(node, ["peer", "show", "--nid", "192.0.2.99@tcp"], -2, "cannot find peer")
    bad = expect_raw(node, ["peer", "del", "--prim_nid", "192.0.2.1@tcp", "--non_mr"], 234)
    assert bad["stderr"] == "peer:\n    - del:\n          errno: -22\n          descr: Unrecognized option '-m'\n", bad
    # No argument at all: the subcommand's help on stdout, exit 234.
    expect_raw(node, ["peer", "add"], 234, stdout_has="peer add: add a peer")
    expect_raw(node, ["peer", "del"], 234, stdout_has="peer del: delete a peer NI or a peer")

    # After all that, exactly the one good peer remains.
    assert [(p["primary nid"], peer_nids(p)) for p in node.peers()] == [
        ("192.0.2.1@tcp", ["192.0.2.1@tcp", "192.0.2.2@tcp"])], node.peers()
