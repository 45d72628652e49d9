"""A team shares one history through a git remote: two setups on one bare
repository, one machine moving while the other is between its fetch and its
push, and what each of them and the shared store hold afterwards."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hybridctl.store.repo import Store
from tests.helpers import RunFn

CHEAP = "gemini-2.5-flash-lite"


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


def shared_log(bare: Path) -> list[str]:
    """The shared store's revisions, oldest first: "r<N> <kind> by <actor>"."""
    records = []
    for message in git(bare, "log", "--reverse", "--format=%B%x1e", "main").split("\x1e"):
        for line in message.splitlines():
            if line.startswith("hybridctl-record: "):
                record = json.loads(line.removeprefix("hybridctl-record: "))
                records.append(f"r{record['revision']} {record['kind']} by {record['actor']}")
    return records


def edit(root: Path, role: str, model: str) -> None:
    path = root / "configs" / "model-config.json"
    config: dict[str, Any] = json.loads(path.read_text())
    config["roles"][role]["primary"] = model
    config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]
    path.write_text(json.dumps(config, indent=2) + "\n")


@pytest.fixture
def machines(cli: RunFn, tmp_path: Path) -> tuple[Path, Path, Path]:
    """alice publishes a new store to a bare repository, bob joins it."""
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    assert (
        cli("init", str(alice), "--store-remote", str(bare), env={"HYBRIDCTL_ACTOR": "alice"}).exit_code == 0
    )
    assert cli("init", str(bob), "--store-remote", str(bare), env={"HYBRIDCTL_ACTOR": "bob"}).exit_code == 0
    return bare, alice, bob


def the_other_machine_moves_first(
    monkeypatch: pytest.MonkeyPatch, hybridctl: RunFn, root: Path, *args: str
) -> list[int]:
    """Runs ``hybridctl *args`` as alice, in another process, just before this
    process's first push: this process fetched before alice moved."""
    real = Store._push
    codes: list[int] = []

    def push(self: Store, *refspecs: str) -> None:
        if not codes:
            moved = hybridctl(*args, cwd=root, env={"HYBRIDCTL_ACTOR": "alice"})
            assert moved.exit_code == 0, moved.stderr
            codes.append(moved.exit_code)
        real(self, *refspecs)

    monkeypatch.setattr(Store, "_push", push)
    return codes


def test_init_publishes_a_new_store_and_a_second_machine_joins_it(
    cli: RunFn, machines: tuple[Path, Path, Path]
) -> None:
    bare, alice, bob = machines

    assert shared_log(bare) == ["r1 backup by alice"]
    assert (bob / "configs" / "model-config.json").read_bytes() == (
        alice / "configs" / "model-config.json"
    ).read_bytes()
    assert git(bob / "backups", "rev-parse", "main") == git(bare, "rev-parse", "main")
    assert 'store-remote = "' in (bob / "hybridctl.toml").read_text()
    assert "refs/hybridctl/revisions/1" in git(bob / "backups", "for-each-ref", "refs/hybridctl/")
    joined = cli("history", "--json", cwd=bob)
    assert [entry["actor"] for entry in joined.json()["revisions"]] == ["alice"]


def test_every_command_fetches_first_so_each_machine_sees_the_others_changes(
    cli: RunFn, machines: tuple[Path, Path, Path]
) -> None:
    _, alice, bob = machines
    edit(alice, "critic", CHEAP)
    assert (
        cli("stage", "-r", "critic on flash lite", cwd=alice, env={"HYBRIDCTL_ACTOR": "alice"}).exit_code == 0
    )

    seen = cli("status", "--json", cwd=bob)

    assert seen.json()["state"]["stage"] == "staged"
    assert seen.json()["state"]["candidate"]["revision"] == 2


def test_a_transition_refused_when_another_machine_moved_the_rollout_first(
    cli: RunFn, hybridctl: RunFn, machines: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, alice, bob = machines
    edit(alice, "critic", CHEAP)
    edit(bob, "implementer", CHEAP)
    bobs_edit = (bob / "configs" / "model-config.json").read_bytes()
    moved = the_other_machine_moves_first(monkeypatch, hybridctl, alice, "stage", "-r", "alice's critic")

    raced = cli("stage", "-r", "bob's implementer", cwd=bob, env={"HYBRIDCTL_ACTOR": "bob"})

    assert moved == [0]
    assert raced.exit_code == 3
    assert "another machine moved the shared store first (stage r2 by alice: alice's critic)" in raced.stderr
    assert shared_log(bare) == ["r1 backup by alice", "r2 stage by alice"]
    assert git(bob / "backups", "rev-parse", "main") == git(bare, "rev-parse", "main")
    assert (bob / "configs" / "model-config.json").read_bytes() == bobs_edit  # nothing of bob's lost
    assert cli("history", "--json", cwd=bob).json()["revisions"][-1]["reason"] == "alice's critic"


def test_a_backup_racing_another_machine_lands_on_top_and_history_stays_linear(
    cli: RunFn, hybridctl: RunFn, machines: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, alice, bob = machines
    edit(alice, "critic", CHEAP)
    edit(bob, "implementer", CHEAP)
    the_other_machine_moves_first(monkeypatch, hybridctl, alice, "backup", "create", "-r", "alice's edit")

    raced = cli("backup", "create", "-r", "bob's edit", "--json", cwd=bob, env={"HYBRIDCTL_ACTOR": "bob"})

    assert raced.exit_code == 0, raced.stderr
    assert raced.json()["backup"]["revision"] == 3
    assert shared_log(bare) == ["r1 backup by alice", "r2 backup by alice", "r3 backup by bob"]
    assert git(bare, "rev-list", "--merges", "main") == ""
    assert git(bare, "tag", "--list", "backup/*").split() == ["backup/1", "backup/2", "backup/3"]
    # alice's next command fetches bob's revision
    seen = cli("history", "--json", cwd=alice, env={"HYBRIDCTL_ACTOR": "alice"})
    assert [e["revision"] for e in seen.json()["revisions"]] == [1, 2, 3]


def test_a_rollback_racing_another_machine_runs_again_on_top(
    cli: RunFn, hybridctl: RunFn, machines: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, alice, bob = machines
    edit(alice, "critic", CHEAP)
    as_alice = {"HYBRIDCTL_ACTOR": "alice"}
    assert cli("stage", "-r", "critic", cwd=alice, env=as_alice).exit_code == 0
    assert cli("promote", cwd=alice, env=as_alice).exit_code == 0
    assert cli("status", "--json", cwd=bob).json()["state"]["weight"] == 10  # bob fetched: canary 10%
    the_other_machine_moves_first(monkeypatch, hybridctl, alice, "pause", "-r", "hold on")

    rolled = cli("rollback", "-r", "error rate up", "--json", cwd=bob, env={"HYBRIDCTL_ACTOR": "bob"})

    assert rolled.exit_code == 0, rolled.stderr
    log = shared_log(bare)
    assert log[-2:] == ["r4 pause by alice", "r5 rollback by bob"]
    state = json.loads(git(bare, "show", "main:state/rollout.json"))
    assert state["stage"] == "aborted" and state["weight"] == 0


def test_a_store_whose_history_parted_from_the_shared_one_is_refused(
    cli: RunFn, machines: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    bare, _, bob = machines
    other = tmp_path / "other.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(other)], check=True)
    assert cli("init", str(tmp_path / "carol"), "--store-remote", str(other)).exit_code == 0
    (bob / "hybridctl.toml").write_text(f'store-remote = "{other}"\n')
    before = git(bob / "backups", "rev-parse", "main")

    refused = cli("backup", "create", "-r", "x", cwd=bob)

    assert refused.exit_code == 3
    assert "different histories" in refused.stderr
    assert git(bob / "backups", "rev-parse", "main") == before
    assert shared_log(bare) == ["r1 backup by alice"]


def test_a_backup_pruned_on_one_machine_is_pruned_for_every_machine(
    cli: RunFn, machines: tuple[Path, Path, Path]
) -> None:
    bare, alice, bob = machines
    as_alice = {"HYBRIDCTL_ACTOR": "alice"}
    for model in (CHEAP, "openrouter/sonoma-sky-alpha"):
        edit(alice, "critic", model)
        assert cli("backup", "create", "-r", f"critic on {model}", cwd=alice, env=as_alice).exit_code == 0
    assert cli("backup", "list", cwd=bob).exit_code == 0  # bob holds backup/2 now
    assert "backup/2" in git(bob / "backups", "tag", "--list")
    time.sleep(1.05)  # records carry whole seconds: --keep-days 0 drops only those of an earlier second

    pruned = cli("backup", "prune", "--keep-days", "0", "--keep-last", "1", "--json", cwd=alice, env=as_alice)
    listed = cli("backup", "list", "--json", cwd=bob)

    assert pruned.exit_code == 0, pruned.stderr
    assert pruned.json()["pruned"] == [2, 1]
    assert git(bare, "tag", "--list").split() == ["backup/3"]
    assert [b["revision"] for b in listed.json()["backups"]] == [3]
    assert git(bob / "backups", "tag", "--list").split() == ["backup/3"]
    assert shared_log(bare)[-1] == "r3 backup by alice"  # the audit trail is never rewritten
