import unittest

import lutf
from lutf._host import _failure_text, interpret


class InterpretTests(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(interpret(None), ("PASS", "", {}))
        self.assertEqual(interpret(lutf.PASS), ("PASS", "", {}))
        self.assertEqual(interpret(lutf.FAIL)[0:2], ("FAIL", "run() returned lutf.FAIL"))
        self.assertEqual(interpret(lutf.SKIP)[0], "SKIP")

    def test_dict_results_keep_details(self):
        status, error, details = interpret({"status": "pass", "count": 3})
        self.assertEqual((status, error, details), ("PASS", "", {"count": 3}))
        status, error, details = interpret({"status": "FAIL", "error": "route add failed", "rc": -1})
        self.assertEqual((status, error), ("FAIL", "route add failed"))
        self.assertEqual(details, {"error": "route add failed", "rc": -1})
        self.assertEqual(interpret({"status": "SKIP", "reason": "no o2ib"})[0:2], ("SKIP", "no o2ib"))

    def test_wrong_types_fail_with_advice(self):
        status, error, _ = interpret(42)
        self.assertEqual(status, "FAIL")
        self.assertIn("run() returned 42 (int)", error)
        self.assertIn("lutf.PASS", error)
        self.assertEqual(interpret({"status": "MAYBE"})[0], "FAIL")
        self.assertEqual(interpret({"status": "PASS", "sock": object()})[2].keys(), {"unserialisable"})

    def test_failure_text_of_a_bare_assert_shows_the_line(self):
        try:
            x = 1
            assert x == 2
        except AssertionError as exc:
            text = _failure_text(exc, "")
        self.assertTrue(text.startswith("AssertionError at test_host.py:"), text)
        self.assertTrue(text.endswith("assert x == 2"), text)

    def test_failure_text_of_other_exceptions(self):
        self.assertEqual(_failure_text(ValueError("bad nid"), ""), "ValueError: bad nid")
        self.assertEqual(_failure_text(KeyError(), ""), "KeyError")


if __name__ == "__main__":
    unittest.main()
