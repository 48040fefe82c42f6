"""The local broker (scripts/kafka.sh) answers metadata and round-trips a message."""

from __future__ import annotations

import os
import uuid

import pytest

pytestmark = pytest.mark.integration

BROKER = os.environ.get("CLAIMWATCH_BROKER", "")


def _bootstrap() -> list[str]:
    servers = []
    for part in BROKER.split(","):
        part = part.strip()
        if "://" in part:
            part = part.split("://", 1)[1]
        if part:
            servers.append(part)
    return servers


@pytest.fixture(scope="module")
def bootstrap() -> list[str]:
    if not BROKER:
        pytest.skip("CLAIMWATCH_BROKER is not set (scripts/test.sh starts a broker)")
    return _bootstrap()


def test_metadata_answers(bootstrap: list[str]) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        assert isinstance(admin.list_topics(), list)
        cluster = admin.describe_cluster()
        assert cluster["brokers"], cluster
    finally:
        admin.close()


def test_produce_consume_round_trip(bootstrap: list[str]) -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    topic = f"claimwatch-test-{uuid.uuid4().hex}"
    payload = uuid.uuid4().bytes
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        producer = KafkaProducer(bootstrap_servers=bootstrap)
        try:
            producer.send(topic, key=b"k", value=payload).get(timeout=15)
        finally:
            producer.close()
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=15_000,
        )
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            got = next(iter(consumer))
        finally:
            consumer.close()
        assert (got.key, got.value) == (b"k", payload)
    finally:
        try:
            admin.delete_topics([topic])
        finally:
            admin.close()
