"""The example-file corpus through validate: every negative case reports exactly
the findings its ``expect`` file names (rule, file, line, column), every
positive file passes strictly, and every real-world Roo Code file passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.helpers import NEGATIVE, read_expect
from tests.helpers import CORPUS, REALWORLD, RunFn, snapshot

POSITIVE = sorted((CORPUS / "positive").iterdir())


REAL_FILES = sorted((REALWORLD / "roomodes").glob("*")) if (REALWORLD / "roomodes").is_dir() else []


NEEDS_REAL_FILES = (
    "needs Roo Code modes files written by other projects (.roomodes and custom_modes files from "
    "public repositories, kept outside this repository as their licences differ): set "
    f"HYBRIDCTL_REALWORLD_DIR to a directory holding them in roomodes/ (looked in {REALWORLD})"
)


@pytest.mark.parametrize("case", NEGATIVE, ids=lambda p: p.name)
def test_negative_case_reports_exactly_its_expected_findings(case: Path, cli: RunFn) -> None:
    expected, args = read_expect(case)
    before = snapshot(case)

    run = cli("validate", "--format", "json", *args, cwd=case)

    found = sorted(
        (d["severity"], d["rule"], f"{d['file']}:{d['line']}:{d['column']}")
        for d in run.json()["diagnostics"]
    )
    assert found == expected
    has_error = any(severity == "error" for severity, _, _ in expected)
    assert run.exit_code == (1 if has_error else 0)
    if not has_error:
        assert cli("validate", "--strict", *args, cwd=case).exit_code == 1
    assert snapshot(case) == before, "validate must never change a file"


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.name)
def test_positive_example_passes_strictly(path: Path, cli: RunFn) -> None:
    files = sorted(map(str, path.iterdir())) if path.is_dir() else [str(path)]
    run = cli("validate", "--strict", "--format", "json", *files)

    assert run.json()["diagnostics"] == []
    assert run.exit_code == 0


# The real files Roo Code itself refuses, and what hybridctl must report for each.
BROKEN_REAL_FILES = {
    "0HASHMI0+manus-mcp-roo.roomodes": [  # a group tuple with 3 items (Roo Code: at most 2)
        ("error", "schema", "22:11", "$.customModes[0].groups[1][2]"),
        ("warning", "deprecated-group", "23:9", "$.customModes[0].groups[2]"),
    ],
    "4rankng+buddy.roomodes": [("error", "schema", "1:1", "$")],  # a list without customModes:
    "chrishutchison9+RooFlow.custom_modes.json": [  # modes without roleDefinition and groups
        ("error", "missing-key", "3:5", "$.customModes[0]"),
        ("error", "missing-key", "3:5", "$.customModes[0]"),
        ("error", "unknown-key", "7:7", "$.customModes[0].instructions"),
    ],
    "tgf-between-your-legs+sdof-mcp.custom_modes.yaml": [("error", "yaml-syntax", "21:25", "$")],
}


@pytest.mark.skipif(not REAL_FILES, reason=NEEDS_REAL_FILES)
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_world_roo_code_file_validates_or_is_refused_where_roo_code_refuses_it(
    path: Path, cli: RunFn
) -> None:
    run = cli("validate", "--kind", "modes", "--format", "json", str(path))

    report = run.json()
    assert report["files"][0]["kind"] == "modes"
    if path.name in BROKEN_REAL_FILES:
        found = sorted(
            (d["severity"], d["rule"], f"{d['line']}:{d['column']}", d["json_path"])
            for d in report["diagnostics"]
        )
        assert found == sorted(BROKEN_REAL_FILES[path.name])
        assert run.exit_code == 1
        return
    assert run.exit_code == 0, report["diagnostics"]
    assert report["summary"]["errors"] == 0
    # The only warning real files earn is the deprecated browser group.
    assert {d["rule"] for d in report["diagnostics"]} <= {"deprecated-group"}


@pytest.mark.skipif(not REAL_FILES, reason=NEEDS_REAL_FILES)
def test_real_world_files_are_recognised_as_modes_by_name(cli: RunFn) -> None:
    run = cli("validate", "--format", "json", *map(str, REAL_FILES))

    assert {f["kind"] for f in run.json()["files"]} == {"modes"}
    failed = {Path(d["file"]).name for d in run.json()["diagnostics"] if d["severity"] == "error"}
    assert failed == set(BROKEN_REAL_FILES)
    assert run.exit_code == 1
