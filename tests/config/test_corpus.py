"""The example-file corpus covers the catalogue: every rule has a negative example."""

from __future__ import annotations

from hybridctl.config.rules import RULES
from tests.config.helpers import NEGATIVE, read_expect


def test_every_rule_has_a_negative_example() -> None:
    exercised = {rule for case in NEGATIVE for _, rule, _ in read_expect(case)[0]}
    assert set(RULES) - exercised == set()
