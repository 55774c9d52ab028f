"""Parameters: run(params) gets the test configuration's or `--param KEY=VALUE` values."""


def run(params):
    count = params.get("count", 3)
    label = params.get("label", "default")
    assert isinstance(count, int) and count > 0, "count must be a positive number, got %r" % (count,)
    return {"status": "PASS", "count": count, "label": label}
