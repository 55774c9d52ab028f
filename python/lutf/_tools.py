"""Running the node's LNet tools (the real ones, or the simulator's) and reading their output."""

import os
import shlex
import shutil
import subprocess

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


def run(tool, args, check=True, input=None, timeout=600, env=None):
    """Runs ``tool args`` (with ``env`` added to the environment); returns (rc, stdout, stderr).
    With ``check``, a non-zero exit raises LNetError naming the command and the tool's own error
    text."""
    command = [tool] + [str(a) for a in args]
    text = " ".join(shlex.quote(c) for c in command)
    if shutil.which(tool) is None:
        raise LNetError(text, 127, "", "%s not found on this node (PATH=%s)" % (tool, os.environ.get("PATH", "")))
    done = subprocess.run(
        command, input=input, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **env} if env else None,
    )
    if check and done.returncode != 0:
        raise LNetError(text, done.returncode, done.stdout, done.stderr)
    return done.returncode, done.stdout, done.stderr
