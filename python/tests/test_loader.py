import os
import tempfile
import time
import unittest

from lutf import _loader


class LoaderTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.dir, "suite_demo"))
        self.path = os.path.join(self.dir, "suite_demo", "test_one.py")
        self.write("VALUE = 1\n")

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)
        # A new mtime even on coarse clocks.
        stamp = time.time() + (1 if hasattr(self, "_written") else 0)
        os.utime(self.path, (stamp, stamp))
        self._written = True

    def test_module_name_names_suite_and_script(self):
        self.assertEqual(_loader.module_name(self.path), "lutf_script__demo__test_one")

    def test_loads_and_reloads_when_the_file_changes(self):
        module = _loader.load_script(self.path)
        self.assertEqual(module.VALUE, 1)
        self.assertIs(_loader.load_script(self.path), module)
        self.write("VALUE = 2\n")
        self.assertEqual(_loader.load_script(self.path).VALUE, 2)

    def test_resolve_prefers_the_path_for_scripts(self):
        module = _loader.resolve(_loader.module_name(self.path), self.path)
        self.assertEqual(module.VALUE, 1)
        self.assertEqual(_loader.find(module, "VALUE"), 1)

    def test_a_broken_script_is_not_left_half_imported(self):
        self.write("raise RuntimeError('boom')\n")
        with self.assertRaises(RuntimeError):
            _loader.load_script(self.path, fresh=True)
        import sys

        self.assertNotIn(_loader.module_name(self.path), sys.modules)


if __name__ == "__main__":
    unittest.main()
