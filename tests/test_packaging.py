"""What ships: the wheel carries schemas and default configs and finds them from
any directory; the pre-commit hook definition runs the real command."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO, RunFn


@pytest.mark.slow
def test_wheel_ships_schemas_and_configs_and_uses_them_outside_the_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path / "dist")],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("hybridctl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "schemas/modes.schema.json",
        "schemas/model-config.schema.json",
        "configs/modes.yml",
        "configs/model-config.json",
    ):
        assert f"hybridctl/data/{shipped}" in names
    assert any(re.fullmatch(r"hybridctl/usage/_scanner\..+\.so", name) for name in names), names
    assert "hybridctl/usage/_scanner.c" not in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}

    located = subprocess.run(
        [sys.executable, "-c", "from hybridctl import resources; print(resources.schema_path('modes'))"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    validated = subprocess.run(
        [sys.executable, "-m", "hybridctl", "validate", "--defaults", "-f", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hybridctl.usage.scan import available_reader; print(available_reader())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(located.stdout.strip()).is_relative_to(target)
    assert reader.stdout.strip() == "compiled"
    assert validated.returncode == 0, validated.stderr
    assert '"errors": 0' in validated.stdout


def test_pre_commit_hook_matches_config_files_and_its_entry_runs(hybridctl: RunFn, tmp_path: Path) -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(hook["files"])

    for path in ("configs/modes.yml", "configs/model-config.json", ".roomodes", "custom_modes.yaml"):
        assert pattern.search(path), path
    assert not pattern.search("src/app.json")
    assert hook["pass_filenames"] is False
    program, *args = hook["entry"].split()
    assert program == "hybridctl"

    (tmp_path / "configs").mkdir()
    for name in ("modes.yml", "model-config.json"):
        (tmp_path / "configs" / name).write_bytes((REPO / "configs" / name).read_bytes())
    assert hybridctl(*args, cwd=tmp_path).exit_code == 0
    (tmp_path / "configs" / "modes.yml").write_text("customModes: [{slug: 1}]\n")
    assert hybridctl(*args, cwd=tmp_path).exit_code == 1


def test_the_lowest_constraints_are_the_lower_bounds_of_the_run_time_dependencies() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in project["dependencies"]:
        match = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        if match and ";" not in requirement:
            bounds[match.group(1).lower()] = match.group(2)
    pinned = dict(
        line.split("==")
        for line in (REPO / "constraints-lowest.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert pinned == bounds
