"""Email to merchants and shoppers through SES (locally, moto's SES keeps them as an outbox)."""

from . import aws, settings


def send_email(*, to: str, subject: str, text: str) -> str:
    response = aws.client("ses").send_email(
        Source=settings.SENDER_EMAIL,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )
    return response["MessageId"]
