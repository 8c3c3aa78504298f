"""HTTP clients of the live server that are different people to it: the server counts rate limits per source
address, and every address of 127.0.0.0/8 reaches this machine, so each client connects from one of its own."""

import random

import requests
from requests.adapters import HTTPAdapter


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def from_address(address: str | None = None) -> requests.Session:
    """A session whose connections leave from `address` (by default a loopback address of its own)."""
    address = address or f"127.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(2, 255)}"
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    session.source_address = address  # what the server sees as the client
    return session
