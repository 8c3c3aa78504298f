"""The emulator's DynamoDB answers item operations in a shortcut (infra/local/runtime.py writes them as JSON, not
through moto's model-walking serializer): every attribute type reads back exactly as written, through each read."""

import os
import uuid

import boto3

ITEM = {
    "s": {"S": "café ☕"},
    "n": {"N": "-12.5"},
    "b": {"B": b"\x00\xffbytes"},
    "yes": {"BOOL": True},
    "nothing": {"NULL": True},
    "map": {"M": {"inner": {"L": [{"N": "1"}, {"S": "two"}, {"B": b"\x01"}]}}},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"\x02", b"\x03"]},
}


def test_every_attribute_type_reads_back_as_written(aws):
    ddb = boto3.client("dynamodb")
    table = os.environ["PLATFORM_TABLE"]
    key = {"pk": {"S": f"EMULATOR#{uuid.uuid4().hex}"}, "sk": {"S": "ITEM"}}
    item = {**key, **ITEM}

    put = ddb.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL")
    assert "Attributes" not in put and put["ConsumedCapacity"]["TableName"] == table

    def as_read(got: dict) -> dict:
        return {k: {t: set(v) if t in ("SS", "NS", "BS") else v for t, v in a.items()} for k, a in got.items()}

    expected = as_read(item)
    assert as_read(ddb.get_item(TableName=table, Key=key)["Item"]) == expected
    queried = ddb.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": key["pk"]}
    )
    assert queried["Count"] == 1 and "LastEvaluatedKey" not in queried
    assert as_read(queried["Items"][0]) == expected
    batch = ddb.batch_get_item(RequestItems={table: {"Keys": [key]}})
    assert [as_read(i) for i in batch["Responses"][table]] == [expected] and not batch["UnprocessedKeys"]
    updated = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "3"}},
        ReturnValues="ALL_NEW",
    )
    assert as_read(updated["Attributes"]) == {**expected, "n": {"N": "3"}}
    deleted = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert as_read(deleted["Attributes"]) == {**expected, "n": {"N": "3"}}
    assert "Item" not in ddb.get_item(TableName=table, Key=key)
