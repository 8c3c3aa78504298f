"""Running an `@app.schedule` function as EventBridge would call it."""

from infra.local import runtime


def run_scheduled(name: str):
    """Calls the app's scheduled function `name` with a Scheduled Event; returns what it returned."""
    import app as app_module

    event = {
        "version": "0",
        "id": "t",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": runtime.ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": runtime.REGION,
        "resources": [],
        "detail": {},
    }
    return getattr(app_module, name)(event, None)
