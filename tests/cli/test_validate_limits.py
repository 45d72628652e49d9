"""validate on hostile and oversized input: a regex that cannot compile is a
finding, ten thousand findings print a bounded number, a huge integer is
shown without its digits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(
    "pattern, why",
    [("(" * 3000 + ")" * 3000, "nests too deeply"), ("a{4294967296}", "repeat count is too large")],
)
def test_a_hostile_file_regex_is_a_finding_not_a_crash(
    cli: Any, tmp_path: Path, pattern: str, why: str
) -> None:
    path = tmp_path / "modes.yml"
    mode = {"slug": "a", "name": "A", "roleDefinition": "x", "groups": [["edit", {"fileRegex": pattern}]]}
    path.write_text(json.dumps({"customModes": [mode]}))

    run = cli("validate", "--format", "json", str(path))

    found = [d for d in run.json()["diagnostics"] if d["rule"] == "invalid-file-regex"]
    assert run.exit_code == 1 and len(found) == 1 and why in found[0]["message"]


def test_ten_thousand_findings_print_a_bounded_number_and_count_the_rest(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "modes.yml"
    path.write_text("customModes: []\n" + "".join(f"k: {i}\n" for i in range(10_000)))

    text = cli("validate", str(path))
    data = cli("validate", "--format", "json", str(path)).json()
    everything = cli("validate", "--format", "json", "--max-findings", "0", str(path)).json()

    # 9,999 duplicate keys and one unknown key: all counted, 100 printed.
    assert text.exit_code == 1 and "10000 errors" in text.stdout
    assert text.stdout.count("duplicate-key") == 100 and "… and 9,900 more finding(s)" in text.stdout
    assert len(data["diagnostics"]) == 100 and data["files"][0]["omitted"] == 9_900
    assert data["summary"]["errors"] == data["files"][0]["errors"] == 10_000
    # Each check keeps its first 1,000 findings and counts the others.
    assert len(everything["diagnostics"]) == 1001
    assert any("8,999 more findings" in note for note in everything["notes"])


def test_a_long_integer_within_the_limit_is_shown_without_its_digits(cli: Any, config_dir: Path) -> None:
    path = config_dir / "model-config.json"
    path.write_text(path.read_text().replace('"tier": "primary"', '"tier": ' + str(16**3000), 1))

    run = cli("validate", "--format", "json", str(config_dir))

    messages = [d["message"] for d in run.json()["diagnostics"] if d["rule"] == "schema"]
    assert run.exit_code == 1
    assert any("an integer of about 3,612 digits" in m for m in messages)
    assert all(len(m) < 300 for m in messages)
