def run(params):
    assert params == {"marker": params["marker"], "n": 5, "flag": True, "name": "x y"}, params
