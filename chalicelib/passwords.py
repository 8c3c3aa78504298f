"""What a password must be, in the spirit of NIST SP 800-63B (5.1.1.2): long enough, not one that guessers
try first; no composition rules (they make passwords harder to remember, not to guess), no expiry.

Refused: under 10 or over 256 characters; on the list of the 100,000 most common passwords (ignoring case;
data/README.md says where it comes from); one character repeated; a plain run along the alphabet, the digits
or a keyboard row, either way ("abcdefghij", "1234567890", "qwertyuiop", "0987654321").
"""

import functools
import gzip
from pathlib import Path

from .errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Runs a guesser tries: each string read forwards or backwards, wrapping round ("7890123456").
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@functools.cache
def _common() -> frozenset[str]:
    """The list, loaded on first use; only entries long enough to pass the length rule are kept in memory."""
    with gzip.open(COMMON, "rt", encoding="utf-8") as lines:
        return frozenset(w for line in lines if len(w := line.rstrip("\n").lower()) >= MIN_LENGTH)


def check(password: str, field: str = "password") -> None:
    """Invalid, naming `field` and the reason, for a password these rules refuse."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"{field}: use at least {MIN_LENGTH} characters", {field: "too short"})
    if len(password) > MAX_LENGTH:
        raise Invalid(f"{field}: use at most {MAX_LENGTH} characters", {field: "too long"})
    lowered = password.lower()
    if len(set(lowered)) == 1:
        raise Invalid(f"{field}: one character repeated is easy to guess", {field: "one repeated character"})
    if _is_run(lowered):
        raise Invalid(f"{field}: a plain sequence is easy to guess", {field: "a plain sequence"})
    if lowered in _common():
        raise Invalid(f"{field}: that is one of the most common passwords", {field: "a common password"})


def _is_run(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    if steps in ({1}, {-1}):
        return True
    for run in _RUNS + tuple(r[::-1] for r in _RUNS):
        if all(a in run and run[(run.index(a) + 1) % len(run)] == b for a, b in zip(text, text[1:], strict=False)):
            return True
    return False
