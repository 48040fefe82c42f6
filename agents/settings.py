"""The worker's and the command line's settings, from CLAIMWATCH_* variables.

One frozen class with defaults that run on one machine; passed explicitly to
the faust App and the commands. The detector never reads settings.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TOPICS_FILE = Path("seeds/topics.yaml")


def _default_store() -> str:
    return "rocksdb://" if importlib.util.find_spec("rocksdict") else "memory://"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMWATCH_", frozen=True, extra="ignore")

    broker: str = "kafka://127.0.0.1:9092"
    web_port: int = Field(6066, ge=1, le=65535)
    web_host: str = "127.0.0.1"
    app_id: str = "claimwatch"
    news_topic: str = "news.items.v1"
    observations_topic: str = "claimwatch.observations.v1"
    alerts_topic: str = "claimwatch.alerts.v1"
    deadletter_topic: str = "claimwatch.deadletter.v1"
    topics_topic: str = "claimwatch.topics.v1"
    topics_file: Path = DEFAULT_TOPICS_FILE
    data_dir: Path = Path(".claimwatch")
    store: str = Field(default_factory=_default_store)
    max_body_bytes: int = Field(1_048_576, ge=1)
    spacy_model: str | None = None
    #: parse helper processes beside the worker (detector/parse.py): 0 parses on the
    #: detector's thread; N parses in N processes, each holding its own copy of the
    #: spaCy pipeline (about 250 MB), while the worker scans and observes
    parse_helpers: int = Field(0, ge=0, le=64)
    api_token: SecretStr | None = None
    #: bearer token for the read endpoints (/claims, /alerts, /alerts/stream); the
    #: API token is accepted too. Required when web_host is beyond loopback
    read_token: SecretStr | None = None
    #: HTTP request bodies over this many bytes are refused with 413
    web_max_body_bytes: int = Field(1_048_576, ge=1)
    partitions: int = Field(1, ge=1)
    #: detection batches: at most this many items, waiting at most batch_seconds
    #: (64: 23% less CPU per item than 16 with 1 in 10 items relevant, spaCy and
    #: the detector thread hop amortized; 128 gains nothing more)
    batch_size: int = Field(64, ge=1)
    batch_seconds: float = Field(0.05, gt=0)
    #: how many item ids and text hashes the duplicate filter remembers
    dedup_capacity: int = Field(200_000, ge=1)
    #: consumer group session timeout: how long a killed worker's partitions wait
    #: before the group gives them to the others (the broker allows 6 to 1800 s)
    session_timeout: float = Field(60.0, ge=6, le=1800)
    #: compacted topic of discovered claims (claim id -> topic, text, terms)
    claims_topic: str = "claimwatch.claims.v1"
    #: webhook subscribers: JSON list of {url, secret, topics?}
    webhooks: str = ""
    #: recent alerts kept for /alerts and SSE resume; per-subscriber queue bound
    alerts_ring: int = Field(1000, ge=1)
    subscriber_queue: int = Field(1000, ge=1)
    webhook_attempts: int = Field(6, ge=1)
    webhook_backoff_seconds: float = Field(0.5, gt=0)
    webhook_backoff_max_seconds: float = Field(30.0, gt=0)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    #: compacted topic of webhooks registered over the API (id -> {url, secret, ...})
    webhooks_topic: str = "claimwatch.webhooks.v1"
    #: allow webhook targets on private, loopback, link-local, unspecified and
    #: multicast addresses (refused by default: a registered URL must not reach
    #: the worker's own network, e.g. 169.254.169.254 or the broker)
    webhook_allow_private: bool = False
    #: how long the items table remembers a processed item (for redeliveries and
    #: syndicated copies); older records are deleted as news arrives
    items_retention_seconds: float = Field(3 * 86_400.0, gt=0)

    @field_validator("spacy_model", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    @property
    def bootstrap_servers(self) -> list[str]:
        """host:port list for kafka-python and aiokafka (no kafka:// scheme)."""
        out = []
        for part in self.broker.split(";"):
            for hp in part.split(","):
                hp = hp.strip()
                if "://" in hp:
                    hp = hp.split("://", 1)[1]
                if hp:
                    out.append(hp.rstrip("/"))
        return out

    @property
    def faust_broker(self) -> str:
        return self.broker if "://" in self.broker else f"kafka://{self.broker}"

    def resolved_topics_file(self) -> Path:
        """The topics file; the default falls back to the seeds shipped with the code."""
        path = self.topics_file
        if path.exists() or path != DEFAULT_TOPICS_FILE:
            return path
        here = Path(__file__).resolve().parent
        for candidate in (here.parent / "seeds" / "topics.yaml", here / "seeds" / "topics.yaml"):
            if candidate.exists():
                return candidate
        return path
