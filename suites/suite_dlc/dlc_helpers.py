"""Shared helpers of the dlc suite: a configured node, and exact error checks.

Every check compares against the real tool's behaviour as /work/shared/reference/LNET.md
documents it (errno and descr of the error block, exit status of the command)."""

import os

import lutf
from lutf.lnet import LNet, LNetError


class Node(LNet):
    """``LNet`` of one node, whose interfaces are the ones LNet sees.

    Works around a LUTF bug: on the embedded (simulated) cluster ``lutf.me.interfaces()`` and
    ``Agent.interfaces()`` report the host's real interfaces, not the simulated node's
    (``$LUTF_SIM_INTERFACES``), so ``LNet.address("eth0")`` gives the host's address and
    ``LNet.require_interfaces(2)`` finds one interface. Here a simulated node's interfaces come
    from the simulator's own list; a real node's from ``lutf.me.interfaces()`` as before."""

    def _all_interfaces(self):
        spec = os.environ.get("LUTF_SIM_INTERFACES")
        if spec:
            found = []
            for item in spec.split(","):
                name, _, addresses = item.partition("=")
                found.append({"name": name, "addresses": [a for a in addresses.split("+") if a]})
            return found
        return [i for i in lutf.me.interfaces() if i["name"] != "lo"]

    def interfaces(self):
        """Names of the node's interfaces LNet can use (with an address, not loopback)."""
        return [i["name"] for i in self._all_interfaces() if i.get("addresses")]

    def address(self, interface):
        """The IPv4 address (else the first address) of ``interface``."""
        for i in self._all_interfaces():
            if i["name"] == interface and i["addresses"]:
                v4 = [a for a in i["addresses"] if ":" not in a]
                return (v4 or i["addresses"])[0]
        raise lutf.NotFoundError("no interface %s with an address on %s" % (interface, lutf.me.name))

    def nid(self, interface, net="tcp"):
        """The NID an NI of ``net`` on ``interface`` has (LNET.md §4.2)."""
        return "%s@%s" % (self.address(interface), net)


def configured(role="MDS"):
    """The LNet of the agent ``role`` (a role or a name), configured with only ``lo``."""
    node = Node(target=lutf.get_target(role))
    node.configure()
    return node


def printed_descr(text, descr):
    """The ``descr:`` line an error block carrying ``descr`` has: Printer A (a ``---`` document)
    double-quotes it with a ``! `` tag and escapes quotes; Printer B prints it as is."""
    if text.lstrip().startswith("---"):
        return 'descr: ! "%s"' % descr.replace("\\", "\\\\").replace('"', '\\"')
    return "descr: %s" % descr


def expect_error(node, args, errno, descr, rc=234, input=None):
    """Runs ``lnetctl ARGS``, which must fail with exactly ``errno``/``descr`` and exit ``rc``;
    returns the LNetError. ``descr`` is the message itself (literal quotes included, as LNET.md
    writes it), checked in the printed error block, since ``LNetError.descr`` strips quotes;
    ``None`` where LNET.md gives only the errno."""
    try:
        node.lnetctl(*args, input=input)
    except LNetError as error:
        what = "lnetctl %s" % " ".join(map(str, args))
        got = (error.errno, error.descr if descr is not None else None, error.rc)
        assert got == (errno, descr.strip('"') if descr is not None else None, rc), "%s: got (errno, descr, rc) %r, LNET.md says %r\nstderr: %s" % (
            what, got, (errno, descr, rc), error.stderr)
        text = error.stderr or error.stdout
        line = printed_descr(text, descr) if descr is not None else ""
        assert line in text, "%s: the error block lacks %r:\n%s" % (what, line, text)
        return error
    raise AssertionError("lnetctl %s succeeded; LNET.md says errno %s %r (exit %s)" % (
        " ".join(map(str, args)), errno, descr, rc))


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


def peer_nids(peer):
    return [ni["nid"] for ni in peer["peer ni"]]
