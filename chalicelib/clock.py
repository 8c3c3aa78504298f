"""Time, in one place so tests and workflows agree on the format (ISO 8601 UTC)."""

from datetime import UTC, datetime, timedelta

from .errors import Invalid

# The instants a client may name: what ISO 8601 UTC strings of four-digit years can hold, from the Unix epoch.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def now_iso(seconds_ago: int = 0) -> str:
    """Now (or `seconds_ago` before now) as the ISO 8601 text every record keeps."""
    return iso(now() - timedelta(seconds=seconds_ago))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """The inverse of now_iso()."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def parse_instant(value: str, field: str) -> datetime:
    """An ISO 8601 instant a client sent, in UTC (taken as UTC without an offset); Invalid naming `field` when
    it is not one or lies outside EARLIEST..LATEST (year 1 or 9999 shifted by an offset overflows, say)."""
    try:
        moment = datetime.fromisoformat(value.strip())
        moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)
    except ValueError:
        raise Invalid(f"{field}: not an ISO 8601 date-time", {field: "not an ISO 8601 date-time"}) from None
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        message = f"must be from {iso(EARLIEST)} to {iso(LATEST)}"
        raise Invalid(f"{field}: {message}", {field: message})
    return moment
