"""The MicroPython test runner must be able to fail: run it on a failing module and check."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MP = Path(sys.executable).parent / "micropython"


def run_mp(tmp_path, source, *args):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(source))
    path = ".frozen:" + str(ROOT / "tools/mptest") + ":" + str(tmp_path)
    env = dict(os.environ, MICROPYPATH=path)
    code = "import unittest; unittest.main(['test_sample'])"
    return subprocess.run([str(MP), "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_counts_pass_fail_skip(tmp_path):
    r = run_mp(tmp_path, """
        import unittest
        class T(unittest.TestCase):
            def setUp(self):
                self.x = 1
            def test_ok(self):
                self.assertEqual(self.x, 1)
            def test_bad(self):
                self.assertEqual(self.x, 2)
            def test_raises(self):
                with self.assertRaises(KeyError):
                    {}[0]
            def test_skip(self):
                self.skipTest("no")
            @unittest.skipIf(True, "never")
            def test_skip2(self):
                pass
            def test_sub(self):
                for i in range(3):
                    with self.subTest(i=i):
                        self.assertLess(i, 2)
    """)
    assert r.stdout.strip().splitlines()[-1] == "2 passed, 2 failed, 2 skipped", r.stdout
    assert r.returncode == 1
    assert "FAIL: test_sample.T.test_bad" in r.stdout


def test_all_pass_exit_zero(tmp_path):
    r = run_mp(tmp_path, """
        import unittest
        class Base(unittest.TestCase):
            def test_inherited(self):
                self.assertTrue(self.value)
        class Child(Base):
            value = True
    """)
    # Base fails (no value attribute) and Child passes: inherited tests are found.
    assert "1 passed, 1 failed" in r.stdout, r.stdout


def test_no_tests_is_failure(tmp_path):
    r = run_mp(tmp_path, "x = 1\n")
    assert "0 passed, 0 failed" in r.stdout
    assert r.returncode == 1
