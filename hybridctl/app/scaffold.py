"""``hybridctl init``: a working setup for a new user, never over existing files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl import fsutil
from hybridctl.app.workspace import Workspace
from hybridctl.errors import UsageError
from hybridctl.lock import exclusive_lock
from hybridctl.resources import data_dir
from hybridctl.rollout.state import STATE_FILE, RolloutState, Snapshot
from hybridctl.store.backup import validation_summary
from hybridctl.store.records import Record, digest_files
from hybridctl.store.repo import Store
from hybridctl.times import utc_now
from hybridctl.urls import git_remote, shown_url

INITIAL_REASON = "initial configuration (hybridctl init)"


class InitResult(NamedTuple):
    created: list[Path]
    backup: Record  # backup 1; or, when joining a shared store, its latest revision
    joined: str | None = None  # the shared store joined (cloned), if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "created": [str(p) for p in self.created],
            "backup": self.backup.to_dict(),
            "joined": None if self.joined is None else shown_url(self.joined),
        }


def _first_backup(workspace: Workspace, now: datetime | None) -> Record:
    """Backup 1, which is also what runs: the rollout state starts with it as stable."""

    configs = workspace.read_configs()
    validation = validation_summary(workspace, configs, frozenset())
    store = Store.create(workspace.store_path, workspace.store_remote)
    state = RolloutState(stable=Snapshot(1, digest_files(configs)[1]))
    with exclusive_lock(store.lock_path, timeout=workspace.lock_timeout, command="init"):
        record = store.commit(
            "backup",
            actor=workspace.actor(),
            reason=INITIAL_REASON,
            now=now or utc_now(),
            configs=configs,
            state={STATE_FILE: state.to_bytes()},
            validation=validation,
            tag=True,
        )
    return record


def init_project(
    root: Path,
    *,
    store: Path | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    store_remote: str | None = None,
) -> InitResult:
    """Create ``configs/`` (the default strategy), ``schemas/`` (for editors), the
    store with a first backup, and ``hybridctl.toml`` when the store is not the
    default. With ``store_remote``: join the team's shared store when it has a
    history (clone it; the configs are what it serves), or publish this one."""
    store_path = root / "backups" if store is None else Path.cwd() / store  # an absolute store stays absolute
    targets = [root / "configs", root / "schemas", store_path]
    settings_file = root / "hybridctl.toml"
    if store_path != root / "backups" or store_remote is not None:
        targets.append(settings_file)
    existing = [p for p in targets if p.exists() and (p.is_file() or any(p.iterdir()))]
    if existing:
        raise UsageError(
            "refusing to overwrite: " + ", ".join(str(p) for p in existing),
            hint="init another directory, or use hybridctl init --store-only for existing configs",
        )
    if store_remote is not None:
        git_remote(store_remote, "--store-remote")
    # Asked before anything is made: an unreachable shared store leaves nothing behind.
    joining = store_remote is not None and Store.shared_history(store_remote)
    made = [p for p in [root, *targets] if not p.exists()]
    try:
        return _scaffold(root, store_path, targets, settings_file, actor, now, store_remote, joining)
    except BaseException:
        for path in reversed(made):  # nothing of a failed init stays; only what it made is removed
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise


def _scaffold(
    root: Path,
    store_path: Path,
    targets: list[Path],
    settings_file: Path,
    actor: str | None,
    now: datetime | None,
    store_remote: str | None,
    joining: bool,
) -> InitResult:
    root.mkdir(parents=True, exist_ok=True)
    # Build in a staging directory and move each piece in, so a failure leaves no half scaffold.
    with tempfile.TemporaryDirectory(dir=root, prefix=".hybridctl-init-") as staging:
        stage = Path(staging)
        shutil.copytree(data_dir("configs"), stage / "configs")
        shutil.copytree(data_dir("schemas"), stage / "schemas")
        created = []
        for name in ("configs", "schemas"):
            if (root / name).exists():
                (root / name).rmdir()  # empty, checked above
            os.rename(stage / name, root / name)
            created.append(root / name)
    if settings_file in targets:
        lines = ["# hybridctl settings"]
        if store_path != root / "backups":
            lines.append(f'store = "{os.path.relpath(store_path, root)}"')
        if store_remote is not None:
            lines.append(f"store-remote = {json.dumps(store_remote)}")
        settings_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        created.append(settings_file)
    workspace = Workspace(
        config_dir=root / "configs",
        store_path=store_path,
        lock_timeout=0,
        actor_setting=actor,
        store_remote=store_remote,
    )
    if store_remote is not None and joining:
        return InitResult([*created, store_path], _join(workspace, store_remote), store_remote)
    record = _first_backup(workspace, now)
    return InitResult([*created, store_path], record)


def _join(workspace: Workspace, store_remote: str) -> Record:
    """Clone the team's store, and put in the config directory what it serves."""
    store = Store.clone(store_remote, workspace.store_path)
    with exclusive_lock(store.lock_path, timeout=workspace.lock_timeout, command="init"):
        store.sync()
        head = store.head()
        if head is None:
            raise UsageError(f"the shared store {shown_url(store_remote)} holds no hybridctl record")
        raw = store.state_at(head).get(STATE_FILE)
        serving = RolloutState.from_bytes(raw).serving if raw else None
        files = store.configs_at(store.at(serving.revision) if serving else head)
        fsutil.write_file_set(
            workspace.config_dir,
            {
                **{p.name: None for p in workspace.config_dir.iterdir() if p.is_file()},
                **files,
            },
        )
    return head


def init_store(workspace: Workspace, *, now: datetime | None = None) -> InitResult:
    """Start a store for a config directory that already exists."""
    if workspace.store_path.exists() and any(workspace.store_path.iterdir()):
        raise UsageError(
            f"refusing to overwrite: {workspace.store_path}",
            hint="move it aside first, or pass another --store",
        )
    workspace.read_configs()  # the configs must be there
    return InitResult([workspace.store_path], _first_backup(workspace, now))
