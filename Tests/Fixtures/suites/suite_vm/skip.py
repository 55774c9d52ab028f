skip_list = []
expected_failures = []
