"""A setup: a config directory and the store that records its history.

``Setup.mutation`` is the door every changing command goes through: it
takes the exclusive lock, finishes whatever an interrupted command left
behind (a half-made store commit, a half-applied set of config files), and
refuses a store someone edited by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from hybridctl import fsutil
from hybridctl.config.snapshot import managed_names
from hybridctl.config.validate import display_path
from hybridctl.errors import UsageError
from hybridctl.lock import exclusive_lock
from hybridctl.store.git import default_actor
from hybridctl.store.records import Record
from hybridctl.store.repo import Store
from hybridctl.store.sharing import StoreRaced


@dataclass(frozen=True)
class Setup:
    """Where the configs are, where their history is, and how to take the lock.
    The application's Workspace adds where transitions are delivered and how
    steps are measured."""

    config_dir: Path
    store_path: Path
    lock_timeout: float
    actor_setting: str | None = None
    schema_dir: Path | None = None  # the team's own schemas, when they extend the shipped ones
    store_remote: str | None = None  # the git remote a team shares the store through

    @property
    def shown(self) -> str:
        """The config directory as messages name it: relative to where the user stands."""

        return display_path(self.config_dir)

    def actor(self) -> str:

        return default_actor(self.actor_setting)

    def config_names(self) -> list[str]:
        """The managed files present: the modes file, the model config and prices.json."""
        if not self.config_dir.is_dir():
            raise UsageError(
                f"no config directory at {self.shown}", hint="run hybridctl init, or pass --config-dir"
            )
        names = list(managed_names(p.name for p in self.config_dir.iterdir() if p.is_file()).values())
        if not names:
            raise UsageError(
                f"{self.shown} holds no modes.yml or model-config.json",
                hint="run hybridctl init, or restore a backup with --force",
            )
        return names

    def read_configs(self) -> dict[str, bytes]:
        return {name: (self.config_dir / name).read_bytes() for name in self.config_names()}

    def _store(self) -> Store:
        if not self.store_path.exists() and not self.config_dir.is_dir():
            raise UsageError(
                f"no hybridctl setup here: neither a store at {self.store_path} nor configs at {self.shown}",
                hint="hybridctl init creates one here; or run this inside your setup "
                "(or pass --config-dir and --store)",
            )
        return Store.open(self.store_path, self.store_remote)

    def open_store(self) -> Store:
        """The store to read; a shared one is brought up to date first (a fetch)."""
        store = self._store()
        if self.store_remote is not None:
            with exclusive_lock(store.lock_path, timeout=self.lock_timeout, command="fetch"):
                store.recover()
                store.sync()
        return store

    @contextmanager
    def mutation(self, command: str) -> Iterator[Store]:
        """The store, locked, recovered, up to date with the shared one, and clean,
        for one changing command."""
        store = self._store()
        with exclusive_lock(store.lock_path, timeout=self.lock_timeout, command=command):
            store.recover()
            store.sync()
            note = fsutil.recover(self.config_dir) if self.config_dir.is_dir() else None
            if note:
                self._finish_record(store, note)
            store.ensure_clean()
            yield store

    def _finish_record(self, store: Store, note: dict[str, Any]) -> None:
        """Record a change whose files landed (by recovery) before its record did."""
        head = store.head()
        if head is not None and head.details.get("operation") == note["details"]["operation"]:
            return
        state = {name: text.encode() for name, text in note.get("state", {}).items()}
        store.commit(
            note["kind"],
            actor=note["actor"],
            reason=note["reason"],
            now=datetime.fromisoformat(note["time"]),
            configs=self.read_configs(),
            state=state or None,
            validation=note.get("validation"),
            details=note["details"],
        )


Result = TypeVar("Result")
Params = ParamSpec("Params")


def settle_races(
    run: Callable[Params, Result], *, on_top: Callable[[Record | None], bool] = lambda theirs: True
) -> Callable[Params, Result]:
    """Run a change; when another machine moved the shared store first, run it
    again on top of theirs if ``on_top(theirs)`` says it still applies (it
    re-checks everything against the new state), else refuse naming theirs."""

    @functools.wraps(run)
    def settled(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        for _ in range(3):
            try:
                return run(*args, **kwargs)
            except StoreRaced as raced:
                if not on_top(raced.theirs):
                    raise
        return run(*args, **kwargs)

    return settled
