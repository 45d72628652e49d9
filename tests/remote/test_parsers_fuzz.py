"""Property tests of the two parsers that read what strangers send: the
Prometheus answer parser (read by rollout reconcile) and the reference
endpoint's request parser. Random, malformed and truncated input: never an
exception, never a non-finite figure, bounded memory."""

from __future__ import annotations

import json
import math
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridctl.analysis.providers.prometheus import Sample, parse
from hybridctl.remote.serve import BadRequest, Endpoint, check_bundle, content_length, serve
from tests.remote.helpers import bundle

KEYS = ["status", "data", "resultType", "result", "metric", "value", "role", "error", "success", "vector"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["success", "vector", "scalar", "matrix", "string", "NaN", "+Inf", "-Inf", "1e308", "-5"]
    ),
    st.text(max_size=20),
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=5),
    ),
    max_leaves=30,
)


def well_formed(values: list[Any], roles: list[str | None]) -> dict[str, Any]:
    result = [
        {"metric": {} if role is None else {"role": role}, "value": [1764547200, value]}
        for value, role in zip(values, roles, strict=False)
    ]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def check_sample(sample: Sample) -> None:
    assert isinstance(sample, Sample)
    assert sample.value is None or math.isfinite(sample.value)
    assert all(math.isfinite(v) for v in sample.by_role.values())
    if sample.value is None:
        assert sample.problem


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_like)
def test_any_json_value_parses_to_a_sample_or_a_reason(value: Any) -> None:
    check_sample(parse(json.dumps(value, allow_nan=True).encode()))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_to_a_sample_or_a_reason(body: bytes) -> None:
    check_sample(parse(body))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["1", "2.5", "1e308", "-3", "NaN", "+Inf", "x", "", "0"]), max_size=6),
    st.lists(st.sampled_from([None, "critic", "architect"]), max_size=6),
    st.integers(min_value=0, max_value=400),
)
def test_a_well_formed_answer_cut_anywhere_parses_to_a_sample_or_a_reason(
    values: list[str], roles: list[str | None], cut: int
) -> None:
    body = json.dumps(well_formed(values, roles)).encode()
    check_sample(parse(body))
    check_sample(parse(body[:cut]))


@pytest.mark.parametrize("depth", [1_000, 100_000, 2_000_000])
def test_deep_nesting_is_a_reason_in_bounded_memory(depth: int) -> None:
    tracemalloc.start()
    try:
        sample = parse(b"[" * depth + b"]" * depth)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check_sample(sample)
    assert peak < 64 * depth + (8 << 20)  # about what the body itself takes, never more than linear


# -- the reference endpoint ---------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_body_is_a_bundle_or_a_bad_request(body: bytes) -> None:
    try:
        checked = check_bundle(body)
    except BadRequest as refused:
        assert refused.status in (400, 422) and refused.message
    else:
        assert isinstance(checked, dict)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=4000))
def test_a_real_bundle_cut_anywhere_is_refused_never_an_exception(cut: int) -> None:
    body = json.dumps(bundle(10)).encode()
    if cut >= len(body):
        assert check_bundle(body)["weight"] == 10
        return
    with pytest.raises(BadRequest):
        check_bundle(body[:cut])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=25), max_size=3))
def test_any_content_length_header_is_a_length_or_a_bad_request(values: list[str]) -> None:
    try:
        length = content_length(values)
    except BadRequest as refused:
        assert refused.status in (400, 411, 413)
    else:
        assert 0 < length <= 16 << 20


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    directory: Path = tmp_path_factory.mktemp("fuzzed")
    running = serve("127.0.0.1", 0, directory, token="s3cr3t-t0ken", read_timeout_s=0.5, deadline_s=2)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


request_lines = st.sampled_from(
    [b"PUT /bundle HTTP/1.1", b"GET /bundle HTTP/1.1", b"PUT / HTTP/1.0", b"POST /x HTTP/1.1", b"PUT", b""]
)
headers = st.lists(
    st.sampled_from(
        [
            b"Authorization: Bearer s3cr3t-t0ken",
            b"Authorization: Bearer wrong",
            b"Content-Length: 10",
            b"Content-Length: 0",
            b"Content-Length: abc",
            b"Content-Length: 99999999999999999999",
            b"Transfer-Encoding: chunked",
            b"Content-Type: application/json",
            b"X: \xff\xfe",
        ]
    ),
    max_size=4,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request_lines, headers, st.binary(max_size=200), st.integers(min_value=0, max_value=600))
def test_random_and_truncated_requests_never_fault_the_endpoint(
    live: Endpoint, line: bytes, header_lines: list[bytes], body: bytes, cut: int
) -> None:
    request = b"\r\n".join([line, *header_lines]) + b"\r\n\r\n" + body
    with socket.create_connection(("127.0.0.1", live.server_port), timeout=10) as connection:
        connection.sendall(request[:cut] if cut < len(request) else request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer == b"" or answer.startswith(b"HTTP/1.")
    assert live.faults == []
