"""Email to merchants and shoppers through SES (locally, moto's SES keeps them as an outbox)."""
import boto3

from . import settings

_ses = None


def send_email(*, to: str, subject: str, text: str) -> str:
    global _ses
    if _ses is None:
        _ses = boto3.client("ses", region_name=settings.REGION)
    response = _ses.send_email(Source=settings.SENDER_EMAIL, Destination={"ToAddresses": [to]},
                               Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                                        "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}})
    return response["MessageId"]
