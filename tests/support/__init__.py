"""What the tests share besides fixtures (those stay in conftest.py files): the API client, a shopper's and a
merchant's steps, waiting for asynchronous work, an offline IAM evaluator."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
