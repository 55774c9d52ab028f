# Tests not to run on one LNet backend, with the reason.
_NI_REMOVAL = ("on real LNet the console RPCs of lst that went to the removed NI wait for their timeout: "
               "the 2-second run had not finished 30 s after the NI was deleted (recorded on 6.1 in guests); "
               "to be rewritten with a short lst timeout and a bound on the run's end")
skip_on = {"real": {"05_ni_removal_selftest": _NI_REMOVAL}}
