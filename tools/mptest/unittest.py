"""A small unittest for MicroPython, which has none.

Only what the portable suite uses: TestCase (setUp/tearDown, setUpClass/tearDownClass, the
usual assert methods, subTest, skipTest), the skip decorators, and a runner that prints
failures, then the summary line `N passed, N failed, N skipped`. On CPython the same test files
import the standard unittest and run under pytest; this file is on the path only under
MicroPython (tools/mptest is in MICROPYPATH).
"""

import sys


class SkipTest(Exception):
    pass


class _AssertRaises:
    def __init__(self, exc):
        self.expected = exc
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if exc_type is None:
            raise AssertionError(_name(self.expected) + " not raised")
        if issubclass(exc_type, self.expected):
            self.exception = exc_value
            return True
        return False


def _name(exc):
    if isinstance(exc, tuple):
        return "/".join(_name(e) for e in exc)
    return getattr(exc, "__name__", str(exc))


class _SubTest:
    def __init__(self, case, params):
        self.case = case
        self.params = params

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if exc_type is not None and issubclass(exc_type, AssertionError):
            # Keep going like CPython's subTest, but remember the failure.
            self.case._subtest_failures.append((self.params, exc_value))
            return True
        return False


class TestCase:
    maxDiff = None

    def __init__(self, name="runTest"):
        self._testMethodName = name
        self._subtest_failures = []

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def subTest(self, msg=None, **params):
        if msg is not None:
            params["msg"] = msg
        return _SubTest(self, params)

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=None):
        raise AssertionError(msg or "fail() called")

    def _check(self, ok, default, msg):
        if not ok:
            raise AssertionError(msg if msg is not None else default)

    def assertEqual(self, a, b, msg=None):
        self._check(a == b, "%s != %s" % (_short(a), _short(b)), msg)

    def assertNotEqual(self, a, b, msg=None):
        self._check(a != b, "%s == %s" % (_short(a), _short(b)), msg)

    def assertTrue(self, x, msg=None):
        self._check(x, "%s is not true" % _short(x), msg)

    def assertFalse(self, x, msg=None):
        self._check(not x, "%s is not false" % _short(x), msg)

    def assertIs(self, a, b, msg=None):
        self._check(a is b, "%s is not %s" % (_short(a), _short(b)), msg)

    def assertIsNot(self, a, b, msg=None):
        self._check(a is not b, "%s is %s" % (_short(a), _short(b)), msg)

    def assertIsNone(self, x, msg=None):
        self._check(x is None, "%s is not None" % _short(x), msg)

    def assertIsNotNone(self, x, msg=None):
        self._check(x is not None, "unexpectedly None", msg)

    def assertIn(self, a, b, msg=None):
        self._check(a in b, "%s not found in %s" % (_short(a), _short(b)), msg)

    def assertNotIn(self, a, b, msg=None):
        self._check(a not in b, "%s unexpectedly found in %s" % (_short(a), _short(b)), msg)

    def assertIsInstance(self, x, cls, msg=None):
        self._check(isinstance(x, cls), "%s is not an instance of %s" % (_short(x), cls), msg)

    def assertNotIsInstance(self, x, cls, msg=None):
        self._check(not isinstance(x, cls), "%s is an instance of %s" % (_short(x), cls), msg)

    def assertLess(self, a, b, msg=None):
        self._check(a < b, "%s not less than %s" % (_short(a), _short(b)), msg)

    def assertLessEqual(self, a, b, msg=None):
        self._check(a <= b, "%s not less than or equal to %s" % (_short(a), _short(b)), msg)

    def assertGreater(self, a, b, msg=None):
        self._check(a > b, "%s not greater than %s" % (_short(a), _short(b)), msg)

    def assertGreaterEqual(self, a, b, msg=None):
        self._check(a >= b, "%s not greater than or equal to %s" % (_short(a), _short(b)), msg)

    def assertAlmostEqual(self, a, b, places=7, msg=None, delta=None):
        if delta is not None:
            ok = abs(a - b) <= delta
        else:
            ok = round(abs(a - b), places) == 0
        self._check(ok, "%s != %s within tolerance" % (_short(a), _short(b)), msg)

    def assertCountEqual(self, a, b, msg=None):
        a = list(a)
        b = list(b)
        ok = len(a) == len(b)
        if ok:
            rest = list(b)
            for x in a:
                if x in rest:
                    rest.remove(x)
                else:
                    ok = False
                    break
        self._check(ok, "element counts differ: %s vs %s" % (_short(a), _short(b)), msg)

    def assertRaises(self, exc, *args, **kwargs):
        ctx = _AssertRaises(exc)
        if not args:
            return ctx
        with ctx:
            args[0](*args[1:], **kwargs)
        return ctx

    def assertRaisesRegex(self, exc, text, *args, **kwargs):
        # No re.search semantics are needed by the suite: a substring check.
        ctx = _AssertRaises(exc)
        if not args:
            return _RegexCtx(ctx, text)
        with _RegexCtx(ctx, text):
            args[0](*args[1:], **kwargs)
        return ctx


class _RegexCtx:
    def __init__(self, ctx, text):
        self.ctx = ctx
        self.text = text

    def __enter__(self):
        return self.ctx

    def __exit__(self, et, ev, tb):
        handled = self.ctx.__exit__(et, ev, tb)
        if handled and self.text not in str(ev):
            raise AssertionError('"%s" does not match "%s"' % (self.text, ev))
        return handled


def _short(x):
    # Never repr a large value whole: a failing compare of two 50 KB bodies must not run a
    # board-sized heap out of memory while reporting.
    if isinstance(x, (bytes, bytearray, str)) and len(x) > 64:
        return repr(x[:64]) + "... (" + str(len(x)) + " long)"
    r = repr(x)
    if len(r) > 200:
        r = r[:200] + "..."
    return r


def skip(reason):
    def deco(f):
        def skipped(*a, **k):
            raise SkipTest(reason)

        if isinstance(f, type):
            f.__unittest_skip__ = reason
            return f
        return skipped

    return deco


def skipIf(cond, reason):
    if cond:
        return skip(reason)
    return lambda f: f


def skipUnless(cond, reason):
    return skipIf(not cond, reason)


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []


def _test_classes(module):
    out = []
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, TestCase) and obj is not TestCase:
            out.append((name, obj))
    out.sort(key=lambda p: p[0])
    return out


def _test_methods(cls):
    names = set()
    # dir() of a class does not list inherited attributes on every MicroPython build: walk bases.
    stack = [cls]
    while stack:
        c = stack.pop()
        for n in dir(c):
            if n.startswith("test"):
                names.add(n)
        stack.extend(getattr(c, "__bases__", ()))
    return sorted(names)


def _report(result, label, exc):
    result.failed += 1
    result.failures.append(label)
    print("FAIL:", label)
    sys.print_exception(exc)


def run_class(cls, label, result, only=None):
    if getattr(cls, "__unittest_skip__", None):
        n = len(_test_methods(cls))
        result.skipped += n
        return
    try:
        cls.setUpClass()
    except SkipTest:
        result.skipped += len(_test_methods(cls))
        return
    except Exception as e:  # noqa: BLE001 - a broken fixture fails the class, not the run
        _report(result, label + ".setUpClass", e)
        return
    for mname in _test_methods(cls):
        if only and mname not in only:
            continue
        case = cls(mname)
        tlabel = label + "." + mname
        try:
            case.setUp()
            try:
                getattr(case, mname)()
            finally:
                case.tearDown()
            if case._subtest_failures:
                params, exc = case._subtest_failures[0]
                _report(result, tlabel + " " + repr(params), exc)
            else:
                result.passed += 1
        except SkipTest as e:
            result.skipped += 1
            print("skip:", tlabel, "-", e)
        except Exception as e:  # noqa: BLE001
            _report(result, tlabel, e)
    try:
        cls.tearDownClass()
    except Exception as e:  # noqa: BLE001
        _report(result, label + ".tearDownClass", e)


def run_modules(names, result=None):
    """Run the TestCase classes of the named modules; `mod` or `mod.Class` or `mod.Class.test`."""
    import gc

    result = result or Result()
    for spec in names:
        parts = spec.split(".")
        # Modules imported for one test module are dropped after it, so that the whole suite
        # fits one board-sized heap: each module starts from what the runner itself holds.
        loaded = set(sys.modules)
        try:
            module = __import__(parts[0])
        except Exception as e:  # noqa: BLE001 - an import error fails that module only
            _report(result, parts[0] + " (import)", e)
            _unload(loaded)
            continue
        for cname, cls in _test_classes(module):
            if len(parts) > 1 and parts[1] != cname:
                continue
            only = parts[2:] or None
            run_class(cls, parts[0] + "." + cname, result, only)
            gc.collect()
        module = None
        _unload(loaded)
    return result


def _unload(keep):
    import gc

    for name in list(sys.modules):
        if name not in keep:
            del sys.modules[name]
    gc.collect()


def main(modules):
    args = sys.argv[1:]
    result = run_modules(args or modules)
    if result.failures:
        print("failed:")
        for f in result.failures:
            print("  " + f)
    print("%d passed, %d failed, %d skipped" % (result.passed, result.failed, result.skipped))
    sys.exit(1 if result.failed or not result.passed else 0)
