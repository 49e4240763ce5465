# Shared by the shell tests: one "ok:" / "FAILED:" line per check, and the counts.
#   . "$(dirname "${BASH_SOURCE[0]}")/checks.sh"     (before any cd)
#   check "what" COMMAND ARGS...   ok when COMMAND succeeds
#   ok "what" / bad "what"         record a check decided by the script
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# the Python checks of a test (`from checks import ok, failures`, tests/checks.py)
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
