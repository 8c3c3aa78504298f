"""Time, in one place so tests and workflows agree on the format (ISO 8601 UTC)."""

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def now_iso(seconds_ago: int = 0) -> str:
    """Now (or `seconds_ago` before now) as the ISO 8601 text every record keeps."""
    return (now() - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """The inverse of now_iso()."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
