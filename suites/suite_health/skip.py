# Tests not to run on one LNet backend, with the reason.
_HEALTH = ("a ping lost on the way lowers no health value within the ping's own timeout: real LNet 6.1 "
           "charges a peer NI only when response tracking times out (lnet_transaction_timeout); to be "
           "rewritten with a drop rule's --health_error")
skip_on = {"real": {"11_health_sensitivity": _HEALTH}, "simulated": {"11_health_sensitivity": _HEALTH}}
