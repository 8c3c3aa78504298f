"""The few typed errors domain code raises; `web.py` maps them to HTTP."""


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    """Bad input; `fields` names each offending field."""

    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unavailable(DomainError):
    """The shop exists but is suspended."""

    status = 503
