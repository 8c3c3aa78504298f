"""The few typed errors domain code raises; `web.py` maps them to HTTP by their `status`."""


class DomainError(Exception):
    status = 400

    def __init_subclass__(cls, *, status: int, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.status = status

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError, status=400):
    """Bad input; `fields` names each offending field."""


class Unauthorized(DomainError, status=401):
    """No valid session, or wrong credentials."""


class Forbidden(DomainError, status=403):
    """Known caller, but not allowed to do this."""


class NotFound(DomainError, status=404):
    """No such item in this shop (another shop's item is not found either)."""


class Conflict(DomainError, status=409):
    """The item's current state does not allow this (a transition not in its table, a race lost)."""


class TooManyRequests(DomainError, status=429):
    """A rate limit is reached; `retry_after`: seconds until its window ends (the `Retry-After` header)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError, status=503):
    """The shop exists but is suspended."""
