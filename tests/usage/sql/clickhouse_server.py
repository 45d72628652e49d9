"""A server written for the tests that speaks ClickHouse's HTTP interface (POST
a query, get its answer) and runs each query on ClickHouse's own engine,
in-process, through chdb; Langfuse's observations table as its ClickHouse
migrations create it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers import Answer, JsonServer

USER, KEY = "reader", "ch-" + "k3y" * 8

# langfuse/packages/shared/clickhouse/migrations/unclustered: 0002_observations, then 0008's environment.
OBSERVATIONS = """
CREATE TABLE observations (
    `id` String,
    `trace_id` String,
    `project_id` String,
    `environment` LowCardinality(String) DEFAULT 'default',
    `type` LowCardinality(String),
    `parent_observation_id` Nullable(String),
    `start_time` DateTime64(3),
    `end_time` Nullable(DateTime64(3)),
    `name` String,
    `metadata` Map(LowCardinality(String), String),
    `level` LowCardinality(String),
    `status_message` Nullable(String),
    `version` Nullable(String),
    `input` Nullable(String) CODEC(ZSTD(3)),
    `output` Nullable(String) CODEC(ZSTD(3)),
    `provided_model_name` Nullable(String),
    `internal_model_id` Nullable(String),
    `model_parameters` Nullable(String),
    `provided_usage_details` Map(LowCardinality(String), UInt64),
    `usage_details` Map(LowCardinality(String), UInt64),
    `provided_cost_details` Map(LowCardinality(String), Decimal64(12)),
    `cost_details` Map(LowCardinality(String), Decimal64(12)),
    `total_cost` Nullable(Decimal64(12)),
    `completion_start_time` Nullable(DateTime64(3)),
    `prompt_id` Nullable(String),
    `prompt_name` Nullable(String),
    `prompt_version` Nullable(UInt16),
    `created_at` DateTime64(3) DEFAULT now(),
    `updated_at` DateTime64(3) DEFAULT now(),
    event_ts DateTime64(3),
    is_deleted UInt8,
    INDEX idx_id id TYPE bloom_filter() GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter() GRANULARITY 1,
    INDEX idx_project_id project_id TYPE bloom_filter() GRANULARITY 1
) ENGINE = ReplacingMergeTree(event_ts, is_deleted) Partition by toYYYYMM(start_time)
PRIMARY KEY (project_id, `type`, toDate(start_time))
ORDER BY (project_id, `type`, toDate(start_time), id)
"""


class ClickHouseServer(JsonServer):
    """POST /?database=NAME with the query as the body, X-ClickHouse-User and
    -Key checked; the answer is chdb's, or ClickHouse's HTTP 500 with its message."""

    def __init__(self) -> None:
        from chdb import session

        self.session: Any = session.Session()  # type: ignore[no-untyped-call]
        self.queries: list[str] = []

        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
            if headers.get("X-ClickHouse-User") != USER or headers.get("X-ClickHouse-Key") != KEY:
                return (
                    516,
                    b"Code: 516. DB::Exception: reader: Authentication failed. (AUTHENTICATION_FAILED)",
                )
            database = parse_qs(urlsplit(path).query).get("database", ["default"])[0]
            query = body.decode()
            self.queries.append(query)
            try:
                self.session.query(f"USE {database}")
                return 200, self.session.query(query, "JSONCompact").bytes()
            except Exception as exc:  # chdb raises what ClickHouse would answer with
                return 500, f"Code: 62. DB::Exception: {exc}".encode()

        super().__init__(answer)

    def run(self, sql: str) -> Any:
        return self.session.query(sql)


# Helicone/helicone clickhouse/migrations: 20200101000041 (the table), then schema_43's cache
# tokens and schema_52's cost (USD x 1e9).
REQUEST_RESPONSE_RMT = [
    """
CREATE TABLE request_response_rmt (
    `response_id` Nullable(UUID),
    `response_created_at` Nullable(DateTime64(3)),
    `latency` Nullable(Int64),
    `status` Int64,
    `completion_tokens` Nullable(Int64),
    `prompt_tokens` Nullable(Int64),
    `model` LowCardinality(String) CODEC(ZSTD(1)),
    `request_id` UUID,
    `request_created_at` DateTime64(3),
    `user_id` LowCardinality(String) CODEC(ZSTD(1)),
    `organization_id` UUID,
    `proxy_key_id` Nullable(UUID),
    `threat` Nullable(Bool),
    `time_to_first_token` Nullable(Int64),
    `provider` LowCardinality(String) CODEC(ZSTD(1)),
    `target_url` Nullable(String),
    `country_code` Nullable(String),
    `properties` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `scores` Map(LowCardinality(String), Int64) CODEC(ZSTD(1)),
    `request_body` String DEFAULT '',
    `response_body` String DEFAULT '',
    `assets` Array(String) CODEC(ZSTD(1)),
    `updated_at` DateTime64(3, 'UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(request_created_at)
PRIMARY KEY (organization_id, provider, model, user_id, request_created_at, request_id)
ORDER BY (organization_id, provider, model, user_id, request_created_at, request_id)
""",
    """ALTER TABLE request_response_rmt
ADD COLUMN IF NOT EXISTS prompt_cache_write_tokens Int64 DEFAULT 0 AFTER prompt_tokens,
ADD COLUMN IF NOT EXISTS prompt_cache_read_tokens Int64 DEFAULT 0 AFTER prompt_cache_write_tokens""",
    "ALTER TABLE request_response_rmt ADD COLUMN cost Nullable(UInt64) DEFAULT 0 AFTER response_body",
]

# LiteLLM's ClickHouse logger (litellm/integrations/clickhouse.py) creates this when it starts.
LITELLM_SPEND_LOGS = """
CREATE TABLE spend_logs
(
    `request_id` String,
    `call_type` String,
    `api_key` String,
    `spend` Float64,
    `total_tokens` Int256,
    `prompt_tokens` Int256,
    `completion_tokens` Int256,
    `startTime` DateTime,
    `endTime` DateTime,
    `model` String,
    `user` String,
    `metadata` String,
    `cache_hit` String,
    `cache_key` String,
    `request_tags` String
)
ENGINE = MergeTree
ORDER BY tuple()
"""
