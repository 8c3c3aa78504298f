"""The app's clock (chalicelib.clock), moved forward for one test instead of waiting."""

from datetime import timedelta

from chalicelib import clock


def later(monkeypatch, seconds: int) -> None:
    """From now to the end of the test, the app's clock runs `seconds` ahead of the real one."""
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + timedelta(seconds=seconds))
