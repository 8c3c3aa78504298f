"""Email to merchants and shoppers through SES (locally, moto's SES keeps them as an outbox)."""

from . import aws, emails, settings


def send_email(*, to: str, email: emails.Email) -> str:
    """Sends both parts (SES makes it multipart/alternative: the client shows the HTML, or the text)."""
    response = aws.client("ses").send_email(
        Source=settings.SENDER_EMAIL,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": email.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": email.text, "Charset": "UTF-8"},
                "Html": {"Data": email.html, "Charset": "UTF-8"},
            },
        },
    )
    return response["MessageId"]
