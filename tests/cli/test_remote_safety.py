"""A store remote is a user value that reaches git: through the installed entry
point it must never run a command, never be printed with its password, and a
failed init must leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RunFn, closed_port_url

HOSTILE = [
    "--upload-pack=touch pwned;",
    "--template=/tmp",
    "-oProxyCommand=touch pwned",
    "ext::sh -c touch% pwned",
    "ssh://-oProxyCommand=touch%20pwned/store.git",
]


@pytest.mark.parametrize("remote", HOSTILE)
def test_a_hostile_store_remote_flag_runs_nothing_and_makes_nothing(
    hybridctl: RunFn, tmp_path: Path, remote: str
) -> None:
    run = hybridctl("init", "d", "--store-remote", remote, cwd=tmp_path)

    assert run.exit_code == 2, run.stderr
    assert "store remote" in run.stderr and "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []  # no pwned file, no half-made setup


@pytest.mark.parametrize("remote", HOSTILE)
def test_a_hostile_store_remote_from_the_environment_or_settings_is_a_usage_error(
    hybridctl: RunFn, tmp_path: Path, remote: str
) -> None:
    assert hybridctl("init", "p", cwd=tmp_path).exit_code == 0
    project = tmp_path / "p"
    before = sorted(p.name for p in project.iterdir())

    from_env = hybridctl("status", cwd=project, env={"HYBRIDCTL_STORE_REMOTE": remote})
    (project / "hybridctl.toml").write_text(f"store-remote = {remote!r}\n".replace("'", '"'))
    from_file = hybridctl("backup", "create", "--reason", "r", cwd=project)

    for run, origin in ((from_env, "HYBRIDCTL_STORE_REMOTE"), (from_file, "hybridctl.toml")):
        assert run.exit_code == 2, run.stderr
        assert origin in run.stderr and "Traceback" not in run.stderr and "GitFailed" not in run.stderr
    assert not (project / "pwned").exists() and not (tmp_path / "pwned").exists()
    assert sorted(p.name for p in project.iterdir()) == sorted([*before, "hybridctl.toml"])


def test_a_password_in_the_store_remote_is_never_printed_and_a_failed_init_leaves_nothing(
    hybridctl: RunFn, tmp_path: Path
) -> None:
    unreachable = closed_port_url().rsplit("/hybridctl", 1)[0].replace("http://", "http://alice:Pw-9f8e7d6c@")
    remote = unreachable + "/store.git"

    run = hybridctl("init", "team", "--store-remote", remote, "--json", cwd=tmp_path)

    assert run.exit_code == 4
    assert "Pw-9f8e7d6c" not in run.stdout + run.stderr and "alice:" not in run.stderr
    assert "cannot reach the shared store http://127.0.0.1:" in run.stderr
    assert list(tmp_path.iterdir()) == []
