# Tests not to run on one LNet backend, with the reason (none at present).
skip_on = {}
