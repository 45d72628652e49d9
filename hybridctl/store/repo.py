"""The store: a git repository holding one commit per recorded change.

Tree of every commit::

    .hybridctl-store        marker: this repository belongs to hybridctl
    configs/<name>          the config files as they were at that revision
    state/<name>            rollout state, when a rollout is in progress

Backups are the commits tagged ``backup/<revision>`` (annotated, the record as
the tag message). Revisions count up from 1 and never change, because history
is only ever appended to.

A commit writes the work tree before it moves the branch, so a process killed
in between would leave the work tree dirty. A marker in .git says a commit is
under way; ``recover`` (run under the lock) puts the work tree back to the last
commit when it finds one. Without the marker, a dirty work tree means someone
edited the store by hand, and hybridctl stops and says so.
"""

from __future__ import annotations

import contextlib
import getpass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hybridctl.errors import RefusedError, UsageError
from hybridctl.store.records import Record, digest_files

if TYPE_CHECKING:
    import git

MARKER = ".hybridctl-store"
CONFIGS = "configs"
STATE = "state"
BRANCH = "main"
_PENDING = "hybridctl-commit-pending"


class Store:
    def __init__(self, path: Path, repo: git.Repo) -> None:
        self.path = path
        self.repo = repo
        # Read-only git commands (status) must not take index.lock: a process
        # killed during one would otherwise block every later commit.
        repo.git.update_environment(GIT_OPTIONAL_LOCKS="0")
        self._records: list[Record] | None = None

    # -- opening -------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> Store:
        import git

        if (path / ".git").exists():
            raise UsageError(f"{path} is already a git repository", hint="pass another --store path")
        path.mkdir(parents=True, exist_ok=True)
        repo = git.Repo.init(path, initial_branch=BRANCH)
        (path / MARKER).write_text('{"format": 1}\n', encoding="utf-8")
        return cls(path, repo)

    @classmethod
    def open(cls, path: Path) -> Store:
        import git

        way_out = f"run hybridctl init --store-only (store: {path}), or point --store at your store"
        if not path.exists():
            raise UsageError(f"no store at {path}", hint=way_out)
        try:
            repo = git.Repo(path)
        except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
            raise UsageError(
                f"{path} is not a git repository, so it is not a hybridctl store", hint=way_out
            ) from None
        if Path(repo.working_tree_dir or "").resolve() != path.resolve():
            raise UsageError(
                f"{path} is inside another git repository but is not a store itself", hint=way_out
            )
        if not (path / MARKER).exists():
            raise UsageError(
                f"{path} is a git repository but not a hybridctl store (no {MARKER})", hint=way_out
            )
        store = cls(path, repo)
        store._check_head()
        return store

    def _has_commits(self) -> bool:
        """Whether the branch exists; its objects may still be unreadable."""
        return BRANCH in [head.name for head in self.repo.heads]

    def _check_head(self) -> None:
        if self.repo.head.is_detached:
            raise RefusedError(
                f"the store's HEAD is detached at {self.repo.head.object.hexsha[:12]}",
                hint=f"run: git -C {self.path} checkout {BRANCH}",
            )
        if self._has_commits():
            try:
                self.repo.commit(BRANCH).tree.blobs  # noqa: B018 - reading the tip detects damage
            except Exception as exc:  # gitdb and GitPython raise many types for one cause
                raise self._broken(exc) from None

    def _broken(self, exc: BaseException) -> UsageError:
        return UsageError(
            f"the store at {self.path} is damaged: {str(exc).strip().splitlines()[0]}",
            hint=f"run git -C {self.path} fsck to see what is wrong; or move the directory aside "
            "and run hybridctl init --store-only to start a new history",
        )

    @property
    def lock_path(self) -> Path:
        return Path(self.repo.git_dir) / "hybridctl.lock"

    # -- crash recovery and cleanliness (call under the lock) ------------------------

    def recover(self) -> None:
        """Undo what a killed commit left behind. Runs under hybridctl's lock, so
        git lock files found now belong to that dead process."""
        import git

        git_dir = Path(self.repo.git_dir)
        pending = git_dir / _PENDING
        if not pending.exists():
            return
        for stale in ("index.lock", "HEAD.lock", f"refs/heads/{BRANCH}.lock", "packed-refs.lock"):
            with contextlib.suppress(FileNotFoundError):
                (git_dir / stale).unlink()
        try:
            if self._has_commits():
                self.repo.git.reset("--hard", "HEAD")
            self.repo.git.clean("-fdq", "--", CONFIGS, STATE)
        except git.exc.GitCommandError as exc:
            raise self._broken(exc) from None
        head = self.head()
        if head is not None and head.kind == "backup" and head.revision not in self.backup_revisions():
            self.tag_backup(head)  # the commit landed, its tag did not
        pending.unlink()

    def ensure_clean(self) -> None:
        import git

        try:
            dirty = self.repo.is_dirty(untracked_files=True)
        except git.exc.GitCommandError as exc:
            raise self._broken(exc) from None
        if dirty:
            changed = [d.a_path or "" for d in self.repo.index.diff(None)] + self.repo.untracked_files
            raise RefusedError(
                f"the store at {self.path} has changes hybridctl did not make: {', '.join(changed[:5])}",
                hint=f"hybridctl writes the store itself. Inspect with git -C {self.path} status; "
                f"discard with git -C {self.path} checkout -- . && git -C {self.path} clean -fd",
            )

    # -- reading -------------------------------------------------------------------

    def records(self) -> list[Record]:
        """Every record, newest first."""

        if self._records is None:
            found: list[Record] = []
            try:
                if self._has_commits():
                    for commit in self.repo.iter_commits(BRANCH):
                        message = (
                            commit.message if isinstance(commit.message, str) else commit.message.decode()
                        )
                        record = Record.from_message(message, commit.hexsha)
                        if record is not None:
                            found.append(record)
            except Exception as exc:  # a damaged object anywhere in history
                raise self._broken(exc) from None
            self._records = found
        return self._records

    def first(self) -> Record:
        """The oldest record (what ``init`` recorded)."""
        records = self.records()
        if not records:
            raise UsageError(f"the store at {self.path} has nothing recorded", hint="hybridctl backup create")
        return records[-1]

    def head(self) -> Record | None:
        records = self.records()
        return records[0] if records else None

    def at(self, revision: int) -> Record:
        for record in self.records():
            if record.revision == revision:
                return record
        raise UsageError(f"no revision {revision} in the store", hint="hybridctl history lists them")

    def _tree_files(self, record: Record, directory: str) -> dict[str, bytes]:
        tree = self.repo.commit(record.commit).tree
        if directory not in tree:
            return {}
        return {blob.name: blob.data_stream.read() for blob in tree[directory].blobs}

    def configs_at(self, record: Record) -> dict[str, bytes]:
        return self._tree_files(record, CONFIGS)

    def state_at(self, record: Record) -> dict[str, bytes]:
        return self._tree_files(record, STATE)

    def backup_revisions(self) -> set[int]:
        prefix = "backup/"
        return {int(tag.name[len(prefix) :]) for tag in self.repo.tags if tag.name.startswith(prefix)}

    def backups(self) -> list[Record]:
        kept = self.backup_revisions()
        return [record for record in self.records() if record.revision in kept]

    # -- writing (call under the lock, after recover and ensure_clean) ---------------

    def commit(
        self,
        kind: str,
        *,
        actor: str,
        reason: str,
        now: datetime,
        configs: dict[str, bytes],
        state: dict[str, bytes] | None = None,
        validation: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        tag: bool = False,
    ) -> Record:
        """Record a change: the configs (and state) as they now are, with metadata;
        ``tag`` makes it a backup (an annotated tag, written in the same step)."""
        import git

        head = self.head()
        files, digest = digest_files(configs)
        record = Record(
            revision=(head.revision if head else 0) + 1,
            kind=kind,
            time=now,
            actor=actor,
            reason=reason,
            files=files,
            digest=digest,
            validation=validation,
            details=details or {},
        )
        pending = Path(self.repo.git_dir) / _PENDING
        pending.touch()
        try:
            written = [MARKER]
            for directory, contents in ((CONFIGS, configs), (STATE, state)):
                if contents is None and directory == STATE and head is not None:
                    contents = self.state_at(head)  # state carries over unless replaced
                target = self.path / directory
                for old in target.glob("*") if target.exists() else []:
                    if old.name not in (contents or {}):
                        self.repo.index.remove([str(old.relative_to(self.path))], working_tree=True)
                target.mkdir(exist_ok=True)
                for name, data in (contents or {}).items():
                    (target / name).write_bytes(data)
                    written.append(f"{directory}/{name}")
            self.repo.index.add(written)
            who = git.Actor(actor, _email())
            stamp = f"{int(now.timestamp())} +0000"
            commit = self.repo.index.commit(
                record.message(), author=who, committer=who, author_date=stamp, commit_date=stamp
            )
            record = record._replace(commit=commit.hexsha)
            if tag:
                self.tag_backup(record)
        except (git.exc.GitCommandError, OSError, ValueError) as exc:
            raise self._broken(exc) from None
        pending.unlink()
        self._records = [record, *self.records()] if self._records is not None else None
        return record

    def tag_backup(self, record: Record) -> None:
        import json

        self.repo.create_tag(
            f"backup/{record.revision}",
            ref=record.commit,
            message=json.dumps(record.to_dict(), sort_keys=True),
        )

    def untag_backup(self, revision: int) -> None:
        self.repo.delete_tag(self.repo.tags[f"backup/{revision}"])


def _email() -> str:
    return "hybridctl@localhost"


def default_actor(configured: str | None) -> str:
    """Who is recorded: settings or HYBRIDCTL_ACTOR, else git's user.name, else the OS user."""
    if configured:
        return configured
    import subprocess

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        name = subprocess.run(
            ["git", "config", "--get", "user.name"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
        if name:
            return name
    return getpass.getuser()
