"""Shared helpers of the dlc suite: a configured node, NIDs, and exact error checks.

Every check compares against the real tool's behaviour as LUTF's LNet reference (LNET.md)
documents it (errno and descr of the error block, exit status of the command)."""

import lutf
from lutf.lnet import LNet, LNetError, peer_nids  # noqa: F401 - re-exported for the scripts


def configured(role="MDS"):
    """The LNet of the agent ``role`` (a role or a name), configured with only ``lo``."""
    node = LNet(target=lutf.get_target(role, distinct=True))
    node.configure()
    return node


def expect_error(node, args, errno, descr, rc=234, input=None):
    """Runs ``lnetctl ARGS``, which must fail with exactly ``errno``/``descr`` and exit ``rc``;
    returns the LNetError. ``descr`` is the descr of the error block as YAML reads it: a Printer A
    message keeps the literal quotes LNET.md writes (``'"Unable to parse nidlist: ..."'``); a
    Printer B descr printed as ``"..."`` reads without them (see :func:`expect_cyaml_error`).
    ``None`` where LNET.md gives only the errno."""
    try:
        node.lnetctl(*args, input=input)
    except LNetError as error:
        got = (error.errno, error.descr if descr is not None else None, error.rc)
        assert got == (errno, descr, rc), "lnetctl %s: got (errno, descr, rc) %r, LNET.md says %r\nstderr: %s" % (
            " ".join(map(str, args)), got, (errno, descr, rc), error.stderr)
        return error
    raise AssertionError("lnetctl %s succeeded; LNET.md says errno %s %r (exit %s)" % (
        " ".join(map(str, args)), errno, descr, rc))


def expect_cyaml_error(node, args, cmd, entity, errno, message, rc):
    """Runs ``lnetctl ARGS``, which must fail with exit ``rc`` and print on stderr exactly the
    Printer B block ``cmd: - entity: errno, descr: "message"`` (LNET.md §2.3: the message is
    printed as is, with the literal quotes it is built with); returns the LNetError."""
    error = expect_error(node, args, errno, message, rc=rc)
    block = '%s:\n    - %s:\n          errno: %d\n          descr: "%s"\n' % (cmd, entity, errno, message)
    assert error.stderr == block, "lnetctl %s: stderr %r, LNET.md says %r" % (
        " ".join(map(str, args)), error.stderr, block)
    return error


def expect_raw(node, args, rc, stdout=None, stderr=None, stdout_has=None, stderr_has=None):
    """Runs ``lnetctl ARGS`` without raising; checks the exit status and (exact or partial) text."""
    result = node.lnetctl_raw(*args)
    what = "lnetctl %s" % " ".join(map(str, args))
    assert result["rc"] == rc, "%s: exit %s, LNET.md says %s\nstdout: %s\nstderr: %s" % (
        what, result["rc"], rc, result["stdout"], result["stderr"])
    if stdout is not None:
        assert result["stdout"] == stdout, "%s: stdout %r, expected %r" % (what, result["stdout"], stdout)
    if stderr is not None:
        assert result["stderr"] == stderr, "%s: stderr %r, expected %r" % (what, result["stderr"], stderr)
    if stdout_has is not None:
        assert stdout_has in result["stdout"], "%s: stdout %r lacks %r" % (what, result["stdout"], stdout_has)
    if stderr_has is not None:
        assert stderr_has in result["stderr"], "%s: stderr %r lacks %r" % (what, result["stderr"], stderr_has)
    return result


def net_types(node):
    return [n["net type"] for n in node.nets()]
