"""Runs one test script for the master: ``python -m lutf._host``.

The master starts one of these per test with $LUTF_CHANNEL and $LUTF_TOKEN set; it learns which
script to run from the ``hello`` answer, runs the suite's clean-up and the script's ``run()``,
and reports the result. Everything the script prints goes to the test's log.
"""

import inspect
import os
import sys
import traceback

import lutf
from lutf import _context, _loader
from lutf._errors import RemoteError, Skip


def _failure_text(exc, tb_text):
    """A one-line description of an exception, with the failing line for a bare assert."""
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, AssertionError) and not text:
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            return "AssertionError at %s:%d: %s" % (os.path.basename(last.filename), last.lineno, (last.line or "").strip())
    if isinstance(exc, RemoteError):
        return text
    return "%s: %s" % (name, text) if text else name


def interpret(returned):
    """The (status, error, details) a value returned by run() means."""
    if returned is None or returned == lutf.PASS:
        return "PASS", "", {}
    if returned == lutf.FAIL:
        return "FAIL", "run() returned lutf.FAIL", {}
    if returned == lutf.SKIP:
        return "SKIP", "run() returned lutf.SKIP", {}
    if isinstance(returned, dict) and "status" in returned:
        status = str(returned["status"]).upper()
        if status not in ("PASS", "FAIL", "SKIP"):
            return "FAIL", "run() returned status %r; it must be PASS, FAIL or SKIP" % (returned["status"],), {}
        details = {k: v for k, v in returned.items() if k != "status"}
        error = details.get("error") or details.get("reason") or ""
        if status == "FAIL" and not error:
            error = "run() returned status FAIL"
        try:
            details = lutf.to_wire(details, "details")
        except lutf.SerializationError as exc:
            details = {"unserialisable": str(exc)}
        return status, str(error), details
    return (
        "FAIL",
        "run() returned %r (%s); return None, lutf.PASS, lutf.FAIL or a dict with a 'status' key"
        % (returned, type(returned).__name__),
        {},
    )


def run_test(info):
    test = info.get("test") or {}
    script = test.get("script")
    params = test.get("params") or {}

    def outcome(status, error="", details=None, tb=""):
        return {"status": status, "error": error, "details": details or {}, "traceback": tb}

    try:
        module = _loader.load_script(script, fresh=True)
    except BaseException as exc:  # SyntaxError, ImportError, anything raised at import
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        return outcome("FAIL", "cannot import %s: %s" % (os.path.basename(script), _failure_text(exc, tb)), tb=tb)

    timeout = getattr(module, "TIMEOUT", None)
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            return outcome("FAIL", "TIMEOUT must be a positive number of seconds, got %r" % (timeout,))
        _context.request("timeout", seconds=float(timeout))

    if not test.get("no_clean"):
        try:
            callbacks = test.get("callbacks")
            setup = getattr(_loader.load_script(callbacks), "lutf_clean_setup", None) if callbacks else None
            if setup is None:
                # The clean slate: LNet unconfigured and fault rules gone on every agent.
                from lutf import _clean

                setup = _clean.clean_cluster
            setup()
        except Skip as exc:
            return outcome("SKIP", exc.reason)
        except BaseException as exc:
            tb = traceback.format_exc()
            sys.stderr.write(tb)
            return outcome("FAIL", "setup failed: %s" % _failure_text(exc, tb), tb=tb)

    run = getattr(module, "run", None)
    if not callable(run):
        return outcome("FAIL", "%s defines no run() function" % os.path.basename(script))
    try:
        accepts = len(inspect.signature(run).parameters) > 0
    except (TypeError, ValueError):
        accepts = True
    try:
        returned = run(params) if accepts else run()
    except Skip as exc:
        return outcome("SKIP", exc.reason)
    except BaseException as exc:
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        details = {}
        if isinstance(exc, RemoteError):
            details = {"node": exc.node, "remote_type": exc.remote_type, "remote_traceback": exc.remote_traceback}
        return outcome("FAIL", _failure_text(exc, tb), details, tb)
    status, error, details = interpret(returned)
    return outcome(status, error, details)


def main():
    # If the master goes away (killed, crashed), this test must not run on alone.
    _context.watch_lifeline()
    _context.connect(on_close=lambda: os._exit(70))
    info = _context.info()
    result = run_test(info)
    sys.stdout.flush()
    sys.stderr.flush()
    _context.channel().request("result", result)
    os._exit(0)


if __name__ == "__main__":
    main()
