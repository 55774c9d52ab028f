"""Reads suites' skip.py files for the master: ``python -m lutf._discover FILE...``.

Prints one JSON object: for each file, ``{"skip_list": [...], "expected_failures": [...],
"skip_on": {"real"|"simulated": {test: reason}}}`` or ``{"error": "..."}`` when the file cannot be
loaded.
"""

import json
import runpy
import sys


def _names(value, field, path):
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple, set)) or not all(isinstance(v, str) for v in value):
        raise TypeError("%s in %s must be a list of test names" % (field, path))
    return list(value)


def _backends(value, path):
    """``skip_on``: {"real"|"simulated": {test name: reason}}."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not set(value) <= {"real", "simulated"}:
        raise TypeError("skip_on in %s must map 'real' and/or 'simulated' to {test: reason}" % path)
    out = {}
    for backend, tests in value.items():
        if not isinstance(tests, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tests.items()):
            raise TypeError("skip_on['%s'] in %s must map test names to reasons" % (backend, path))
        out[backend] = dict(tests)
    return out


def main(paths):
    out = {}
    for path in paths:
        try:
            module = runpy.run_path(path)
            out[path] = {
                "skip_list": _names(module.get("skip_list"), "skip_list", path),
                "expected_failures": _names(module.get("expected_failures"), "expected_failures", path),
                "skip_on": _backends(module.get("skip_on"), path),
            }
        except BaseException as exc:  # report, never crash discovery
            out[path] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
