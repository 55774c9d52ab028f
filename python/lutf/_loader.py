"""Importing test scripts by path, the same way on the master and on agents."""

import importlib
import importlib.util
import os
import re
import sys

SCRIPT_PREFIX = "lutf_script__"
_mtimes = {}


def module_name(path):
    """The module name a script at ``path`` is loaded under (``lutf_script__samples__test_x``)."""
    path = os.path.abspath(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    suite = os.path.basename(os.path.dirname(path))
    if suite.startswith("suite_"):
        suite = suite[len("suite_"):]
    return SCRIPT_PREFIX + re.sub(r"\W", "_", suite) + "__" + re.sub(r"\W", "_", stem)


def load_script(path, fresh=False):
    """Imports the script at ``path`` (again, if it changed since or ``fresh``) and returns it."""
    path = os.path.abspath(path)
    name = module_name(path)
    mtime = os.stat(path).st_mtime_ns
    module = sys.modules.get(name)
    if module is not None and not fresh and _mtimes.get(name) == mtime:
        return module
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s as a Python script" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _mtimes[name] = mtime
    return module


def mapped(path):
    """``path`` as it is on this node: ``$LUTF_PATH_MAP`` (``SRC=DST;...``, set by ``lutf launch
    --push``) maps the master's directories to their copies here."""
    for entry in filter(None, os.environ.get("LUTF_PATH_MAP", "").split(";")):
        source, _, target = entry.partition("=")
        if source and (path == source or path.startswith(source.rstrip("/") + "/")):
            return target + path[len(source):]
    return path


def resolve(module, script):
    """The module holding remote code: a script by its path, anything else by its import name."""
    script = mapped(script) if script else script
    if script and (not module or module.startswith(SCRIPT_PREFIX) or module == "__main__"):
        return load_script(script)
    try:
        return importlib.import_module(module)
    except ImportError:
        if script:
            return load_script(script)
        raise


def find(module_obj, qualname):
    """The object ``qualname`` (``Outer.Inner`` allowed) in a module."""
    obj = module_obj
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj
