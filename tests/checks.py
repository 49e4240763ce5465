"""The Python half of tests/checks.sh, for the checks a shell test makes in a `python3 - <<'PY'` block
(checks.sh puts this folder on PYTHONPATH):

    from checks import ok, failures
    ok(condition, "what")          # prints one "ok: what" / "FAILED: what" line
    raise SystemExit(1 if failures() else 0)
"""
_failed = 0


def ok(cond, what):
    global _failed
    print(("ok: " if cond else "FAILED: ") + what)
    _failed += not cond
    return cond


def failures():
    return _failed
