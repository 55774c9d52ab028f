"""Running the node's LNet tools (the real ones, or the simulator's) and reading their output."""

import os
import shlex
import shutil
import subprocess
import threading
import time

from . import _yaml
from ._errors import LUTFError, remote_type


@remote_type
class LNetError(LUTFError):
    """An LNet tool failed: ``command``, ``rc`` (exit status), ``errno`` and ``descr`` (from the
    tool's error YAML when it printed one), ``stdout``, ``stderr``."""

    code = "lnet"

    def __init__(self, command, rc, stdout, stderr):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.errno, self.descr = error_of(stderr) or error_of(stdout) or (None, None)
        reason = self.descr or (stderr.strip() or stdout.strip()).splitlines()[-1:] or ["no output"]
        if isinstance(reason, list):
            reason = reason[0]
        detail = " (errno %s)" % self.errno if self.errno is not None else ""
        super().__init__("%s failed (exit %d): %s%s" % (command, rc, reason, detail))


def error_of(text):
    """(errno, descr) of the first error block in a tool's output, or None."""
    try:
        docs = _yaml.load_all(text)
    except (ValueError, IndexError):
        return None
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        for items in doc.values():
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                block = item
                for value in item.values():
                    if isinstance(value, dict) and "errno" in value:
                        block = value
                if "errno" in block:
                    return block.get("errno"), str(block.get("descr") or "")
    return None


def simulated():
    """Whether this node runs the LNet simulator."""
    return os.environ.get("LUTF_LNET") == "simulated" or bool(os.environ.get("LUTF_SIM_NODE"))


def available(tool="lnetctl"):
    return shutil.which(tool) is not None


# What the tools ran in the current remote call, per thread (the worker sends it back with the
# call's answer: the master keeps it as the test's tools.jsonl).
_record = threading.local()

# A tool's output kept in a record, at most (the rest is cut, saying how much).
_RECORD_LIMIT = 64 << 10


def start_recording():
    """Starts a record of the tools the calling thread runs; :func:`take_record` ends it."""
    _record.entries = []


def take_record():
    """The tools the calling thread ran since :func:`start_recording`, and stops recording."""
    entries = getattr(_record, "entries", None) or []
    _record.entries = None
    return entries


def _clip(text):
    if len(text) <= _RECORD_LIMIT:
        return text
    return text[:_RECORD_LIMIT] + "\n[... %d more characters not recorded]\n" % (len(text) - _RECORD_LIMIT)


def run(tool, args, check=True, input=None, timeout=600, env=None):
    """Runs ``tool args`` (with ``env`` added to the environment); returns (rc, stdout, stderr).
    With ``check``, a non-zero exit raises LNetError naming the command and the tool's own error
    text."""
    command = [tool] + [str(a) for a in args]
    text = " ".join(shlex.quote(c) for c in command)
    if shutil.which(tool) is None:
        raise LNetError(text, 127, "", "%s not found on this node (PATH=%s)" % (tool, os.environ.get("PATH", "")))
    started = time.monotonic()
    done = subprocess.run(
        command, input=input, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **env} if env else None,
    )
    entries = getattr(_record, "entries", None)
    if entries is not None:
        entry = {"argv": command, "rc": done.returncode, "stdout": _clip(done.stdout), "stderr": _clip(done.stderr),
                 "ms": round((time.monotonic() - started) * 1000, 1)}
        if input is not None:
            entry["input"] = _clip(input)
        if env:
            entry["env"] = dict(env)
        entries.append(entry)
    if check and done.returncode != 0:
        raise LNetError(text, done.returncode, done.stdout, done.stderr)
    return done.returncode, done.stdout, done.stderr


def yaml_of(out):
    """The YAML a tool printed, as data ({} for none).

    On a real node ``lnetctl net add`` and ``import`` also print what lustre's
    ``ksocklnd-config`` says when an interface's routing table already exists (a line like
    ``10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.1``, from the second NI on that
    interface since boot); lines before the YAML that are not YAML are skipped."""
    if not out.strip():
        return {}
    try:
        return _yaml.load(out)
    except ValueError:
        lines = out.split("\n")
        for start in range(1, len(lines)):
            rest = "\n".join(lines[start:])
            if not rest.strip():
                return {}
            try:
                return _yaml.load(rest)
            except ValueError:
                continue
        raise


def load_modules(*modules):
    """Loads kernel modules (``modprobe``) that are not loaded yet; on a simulated node the
    simulator's (``lutf sim load``: only lnet_selftest changes anything there)."""
    if simulated():
        # Only lnet_selftest changes anything there (it holds LNet up).
        wanted = [m for m in modules if m.replace("-", "_") == "lnet_selftest"]
        if wanted:
            lnetctl = shutil.which("lnetctl")
            run(os.path.realpath(lnetctl) if lnetctl else "lutf", ["sim", "load", *wanted])
        return
    for module in modules:
        if not os.path.exists("/sys/module/%s" % module.replace("-", "_")):
            run("modprobe", [module])
