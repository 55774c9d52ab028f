"""Reads suites' skip.py files for the master: ``python -m lutf._discover FILE...``.

Prints one JSON object: for each file, ``{"skip_list": [...], "expected_failures": [...]}`` or
``{"error": "..."}`` when the file cannot be loaded.
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


def main(paths):
    out = {}
    for path in paths:
        try:
            module = runpy.run_path(path)
            out[path] = {
                "skip_list": _names(module.get("skip_list"), "skip_list", path),
                "expected_failures": _names(module.get("expected_failures"), "expected_failures", path),
            }
        except BaseException as exc:  # report, never crash discovery
            out[path] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
