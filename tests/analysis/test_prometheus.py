"""What a Prometheus answer says when it cannot be read: each malformed shape
named for what it is."""

from __future__ import annotations

from tests.analysis.helpers import MALFORMED


def test_a_string_result_is_named_as_such() -> None:
    from hybridctl.analysis.providers.prometheus import parse

    assert parse(MALFORMED["a string result"]).problem == (
        "a string result; the query must return a vector or a scalar"
    )
    assert "malformed" in (parse(MALFORMED["an unknown result type"]).problem or "")
