"""Domain events on the platform's EventBridge bus (`EVENT_BUS`), e.g. `order.created`.

Delivery is at least once: each event's detail carries an `id` its consumers dedupe on.
"""

import json

from . import aws, settings
from .workflows import TransientError

SOURCE = "shopbuilder"


def publish(detail_type: str, detail: dict) -> None:
    response = aws.client("events").put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": detail_type,
                "EventBusName": settings.EVENT_BUS,
                "Detail": json.dumps(detail, separators=(",", ":")),
            }
        ]
    )
    if response.get("FailedEntryCount"):
        raise TransientError(f"EventBridge refused {detail_type}: {response['Entries']}")
