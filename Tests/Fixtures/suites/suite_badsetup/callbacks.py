def lutf_clean_setup():
    raise RuntimeError("cannot reach the switch")
