import unittest

import lutf
from lutf._values import to_wire


class ToWireTests(unittest.TestCase):
    def test_yaml_data_passes_and_tuples_become_lists(self):
        value = {"a": [1, 2.5, "x", None, True, (3, (4,))], "b": {"c": {}}}
        self.assertEqual(to_wire(value), {"a": [1, 2.5, "x", None, True, [3, [4]]], "b": {"c": {}}})

    def test_other_types_are_refused_saying_where(self):
        with self.assertRaises(lutf.SerializationError) as ctx:
            to_wire({"nodes": [1, {"x": {2, 3}}]}, "args")
        self.assertIn("args['nodes'][1]['x']", str(ctx.exception))
        self.assertIn("'set'", str(ctx.exception))

    def test_map_keys_must_be_strings(self):
        with self.assertRaises(lutf.SerializationError) as ctx:
            to_wire({1: "one"})
        self.assertIn("keys of maps that cross nodes must be strings", str(ctx.exception))

    def test_serialization_error_is_a_type_error_and_a_lutf_error(self):
        self.assertTrue(issubclass(lutf.SerializationError, TypeError))
        self.assertTrue(issubclass(lutf.SerializationError, lutf.LUTFError))


class ErrorMappingTests(unittest.TestCase):
    def test_codes_map_to_classes(self):
        from lutf._errors import from_wire

        cases = {
            "remote": lutf.RemoteError,
            "agent_dead": lutf.AgentDeadError,
            "timeout": lutf.TimeoutError,
            "not_found": lutf.NotFoundError,
            "unserialisable": lutf.SerializationError,
            "barrier_broken": lutf.BarrierBroken,
            "something_new": lutf.LUTFError,
        }
        for code, cls in cases.items():
            error = from_wire({"code": code, "message": "m"})
            self.assertIs(type(error), cls, code)
            self.assertEqual(str(error), "m")
        self.assertEqual(from_wire({"code": "something_new", "message": "m"}).code, "something_new")

    def test_remote_error_carries_the_remote_side(self):
        from lutf._errors import from_wire

        error = from_wire(
            {
                "code": "remote",
                "message": "KeyError on mds1: 'x'",
                "node": "mds1",
                "remote_type": "KeyError",
                "remote_message": "'x'",
                "remote_traceback": "Traceback ...",
            }
        )
        self.assertEqual((error.node, error.remote_type, error.remote_message), ("mds1", "KeyError", "'x'"))
        self.assertEqual(error.remote_traceback, "Traceback ...")

    def test_lutf_timeout_is_also_the_builtin(self):
        self.assertTrue(issubclass(lutf.TimeoutError, TimeoutError))


if __name__ == "__main__":
    unittest.main()
