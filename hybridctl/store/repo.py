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
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from hybridctl.config.validate import CHECKED_BY
from hybridctl.errors import RefusedError, RemoteError, UsageError
from hybridctl.store.git import Git, GitFailed, git_email
from hybridctl.store.records import Record, digest_files
from hybridctl.store.sharing import BRANCH, REVISION_REF, Rejected, Sharing, StoreRaced
from hybridctl.text import clean
from hybridctl.urls import shown_url

MARKER = ".hybridctl-store"
CONFIGS = "configs"
STATE = "state"
_PENDING = "hybridctl-commit-pending"


class Store(Sharing):
    def __init__(self, path: Path, remote: str | None = None) -> None:
        self.path = path
        self.remote = remote  # a git URL the team shares the store through
        self.git = Git(path)
        self._head: Record | None = None  # the tip's record, read once
        self._heads: bool | None = None  # whether the branch exists

    # -- opening -------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, remote: str | None = None) -> Store:
        """A new store; with ``remote``, its first revision is published there."""
        if (path / ".git").exists():
            raise UsageError(f"{path} is already a git repository", hint="pass another --store path")
        path.mkdir(parents=True, exist_ok=True)
        store = cls(path, remote)
        try:
            store.git.run("init", "--quiet")
            store.git.run("symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
            if remote is not None:
                store.git.run("remote", "add", "--", "origin", remote)
        except GitFailed as exc:
            raise UsageError(f"cannot create a git repository at {path}: {exc}") from None
        (path / MARKER).write_text('{"format": 1}\n', encoding="utf-8")
        return store

    @staticmethod
    def shared_history(remote: str) -> bool:
        """Whether a shared store already holds a history (else it is new: publish)."""
        try:
            heads = Git(Path.cwd()).text("ls-remote", "--heads", "--", remote, BRANCH)
        except GitFailed as exc:
            raise RemoteError(
                f"cannot reach the shared store {shown_url(remote)}: {clean(str(exc))}"
            ) from None
        return bool(heads.strip())

    @classmethod
    def clone(cls, remote: str, path: Path) -> Store:
        """A local copy of a team's shared store."""
        if path.exists() and any(path.iterdir()):
            raise UsageError(f"refusing to overwrite: {path}", hint="pass another --store")
        try:
            Git(Path.cwd()).run("clone", "--quiet", "--branch", BRANCH, "--", remote, str(path))
        except GitFailed as exc:
            raise RemoteError(
                f"cannot clone the shared store {shown_url(remote)}: {clean(str(exc))}"
            ) from None
        if not (path / MARKER).exists():
            raise UsageError(
                f"{shown_url(remote)} is a git repository but not a hybridctl store (no {MARKER})"
            )
        store = cls(path, remote)
        store.sync()  # the revision index, which a clone does not bring
        return store

    @classmethod
    def open(cls, path: Path, remote: str | None = None) -> Store:
        way_out = f"run hybridctl init --store-only (store: {path}), or point --store at your store"
        if not path.exists():
            raise UsageError(f"no store at {path}", hint=way_out)
        store = cls(path, remote)
        try:
            top = store.git.text("rev-parse", "--show-toplevel").strip()
        except GitFailed:
            raise UsageError(
                f"{path} is not a git repository, so it is not a hybridctl store", hint=way_out
            ) from None
        if Path(top).resolve() != path.resolve():
            raise UsageError(
                f"{path} is inside another git repository but is not a store itself", hint=way_out
            )
        if not (path / MARKER).exists():
            raise UsageError(
                f"{path} is a git repository but not a hybridctl store (no {MARKER})", hint=way_out
            )
        store._check_head()
        return store

    def _has_commits(self) -> bool:
        """Whether the branch exists; its objects may still be unreadable."""
        if self._heads is None:
            self._heads = self.git.ok("show-ref", "--verify", "--quiet", f"refs/heads/{BRANCH}")
        return self._heads

    def _check_head(self) -> None:
        if not self.git.ok("symbolic-ref", "--quiet", "HEAD"):
            at = self.git.text("rev-parse", "HEAD").strip()
            raise RefusedError(
                f"the store's HEAD is detached at {at[:12]}",
                hint=f"run: git -C {self.path} checkout {BRANCH}",
            )

    def _git(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        """A git command whose failure means the store is damaged."""
        try:
            return self.git.run(*args, stdin=stdin, env=env)
        except GitFailed as exc:
            raise self._broken(exc) from None

    def _broken(self, exc: BaseException) -> UsageError:
        return UsageError(
            f"the store at {self.path} is damaged: {str(exc).strip().splitlines()[0]}",
            hint=f"run git -C {self.path} fsck to see what is wrong; or move the directory aside "
            "and run hybridctl init --store-only to start a new history",
        )

    @property
    def git_dir(self) -> Path:
        return self.path / ".git"

    @property
    def lock_path(self) -> Path:
        return self.git_dir / "hybridctl.lock"

    # -- crash recovery and cleanliness (call under the lock) ------------------------

    def recover(self) -> None:
        """Undo what a killed commit left behind. Runs under hybridctl's lock, so
        git lock files found now belong to that dead process."""
        pending = self.git_dir / _PENDING
        if not pending.exists():
            return
        for stale in ("index.lock", "HEAD.lock", f"refs/heads/{BRANCH}.lock", "packed-refs.lock"):
            with contextlib.suppress(FileNotFoundError):
                (self.git_dir / stale).unlink()
        try:
            if self._has_commits():
                self.git.run("reset", "--hard", "--quiet", "HEAD")
            self.git.run("clean", "-fdq", "--", CONFIGS, STATE)
        except GitFailed as exc:
            raise self._broken(exc) from None
        head = self.head()
        if head is not None and head.kind == "backup" and head.revision not in self.backup_revisions():
            self.tag_backup(head)  # the commit landed, its tag did not
        pending.unlink()

    def ensure_clean(self) -> None:
        status = self._git("status", "--porcelain", "-z", "--untracked-files=all")
        changed = [entry[3:].decode("utf-8", errors="replace") for entry in status.split(b"\0") if entry]
        if changed:
            raise RefusedError(
                f"the store at {self.path} has changes hybridctl did not make: {', '.join(changed[:5])}",
                hint=f"hybridctl writes the store itself. Inspect with git -C {self.path} status; "
                f"discard with git -C {self.path} checkout -- . && git -C {self.path} clean -fd",
            )

    # -- reading -------------------------------------------------------------------

    # Every read goes to what it needs, never the whole history: the tip for the
    # head, the revision's ref for a revision, tags for backups, git's own message
    # search for a digest. A store that lives for years costs what a new one costs.

    def _log(self, *args: str) -> Iterator[Record]:
        output = self._git("log", "--format=%H%x00%B%x1e", *args).decode("utf-8", errors="replace")
        for entry in output.split("\x1e"):
            commit, _, message = entry.strip("\n").partition("\x00")
            if commit:
                record = Record.from_message(message, commit)
                if record is not None:
                    yield record

    def iter_records(self) -> Iterator[Record]:
        """Every record, newest first."""
        if self._has_commits():
            yield from self._log(BRANCH)

    def records_of(self, kind: str) -> Iterator[Record]:
        """The records of one kind, newest first, found by git's message search
        (their title starts with the kind); ``kind`` is a plain word."""
        if self._has_commits():
            yield from (r for r in self._log(BRANCH, f"--grep=^{kind} r[0-9]") if r.kind == kind)

    def records(self) -> list[Record]:
        """Every record, newest first (reads the whole history: for history itself)."""
        return list(self.iter_records())

    def count(self) -> int:
        """How many revisions there are, without reading them."""
        head = self.head()
        return 0 if head is None else head.revision

    def head(self) -> Record | None:
        if self._head is None and self._has_commits():
            self._head = next(self._log("-1", BRANCH), None)
        return self._head

    def at(self, revision: int) -> Record:
        head = self.head()
        if head is not None and 1 <= revision <= head.revision:
            ref = REVISION_REF.format(revision)
            if self.git.ok("rev-parse", "--verify", "--quiet", ref):
                found = next(self._log("-1", ref), None)
            else:  # a store from before the index: revision r is the r-th commit
                found = next(self._log("-1", f"{BRANCH}~{head.revision - revision}"), None)
            if found is not None and found.revision == revision:
                return found
            for record in self.iter_records():  # a history not one commit per revision: search it
                if record.revision == revision:
                    return record
        raise UsageError(f"no revision {revision} in the store", hint="hybridctl history lists them")

    def first(self) -> Record:
        """The oldest record (what ``init`` recorded)."""
        if self.head() is None:
            raise UsageError(f"the store at {self.path} has nothing recorded", hint="hybridctl backup create")
        return self.at(1)

    def holds(self, digest: str) -> bool:
        """Whether any revision recorded this config set (git searches the messages)."""
        if not self._has_commits():
            return False
        pattern = f'--grep="digest": "{digest}"'
        return next(self._log("-1", "--fixed-strings", pattern, BRANCH), None) is not None

    def _tree_files(self, record: Record, directory: str) -> dict[str, bytes]:
        try:
            listing = self.git.run("ls-tree", "-z", f"{record.commit}:{directory}")
        except GitFailed:
            return {}  # no such directory in that revision
        names = [entry.split(b"\t", 1)[1].decode() for entry in listing.split(b"\0") if b" blob " in entry]
        if not names:
            return {}
        wanted = "".join(f"{record.commit}:{directory}/{name}\n" for name in names).encode()
        batch = self._git("cat-file", "--batch", stdin=wanted)
        files: dict[str, bytes] = {}
        offset = 0
        for name in names:
            header_end = batch.index(b"\n", offset)
            size = int(batch[offset:header_end].split()[2])
            files[name] = batch[header_end + 1 : header_end + 1 + size]
            offset = header_end + 1 + size + 1
        return files

    def configs_at(self, record: Record) -> dict[str, bytes]:
        return self._tree_files(record, CONFIGS)

    def state_at(self, record: Record) -> dict[str, bytes]:
        return self._tree_files(record, STATE)

    def _tags(self) -> list[tuple[str, str, str]]:
        """(name, commit, message) of each backup tag."""
        output = self._git(
            "for-each-ref",
            "refs/tags/backup/",
            "--format=%(refname:strip=2)%00%(*objectname)%00%(contents)%1e",
        ).decode("utf-8", errors="replace")
        found = []
        for entry in output.split("\x1e"):
            name, _, rest = entry.strip("\n").partition("\x00")
            commit, _, message = rest.partition("\x00")
            if name:
                found.append((name, commit, message))
        return found

    def backup_revisions(self) -> set[int]:
        return {int(name.removeprefix("backup/")) for name, _, _ in self._tags()}

    def backups(self) -> list[Record]:
        """The backups, newest first, from their tags (each carries its record)."""
        found = [Record.from_dict(json.loads(message), commit) for _, commit, message in self._tags()]
        return sorted(found, key=lambda record: -record.revision)

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
            checked_by=CHECKED_BY if validation is not None else None,
        )
        pending = self.git_dir / _PENDING
        pending.touch()
        try:
            tree = self._write_tree(configs, state, head)
            record = record._replace(commit=self._commit_tree(record, tree, head))
            if tag:
                self.tag_backup(record)
        except (GitFailed, OSError, ValueError) as exc:
            raise self._broken(exc) from None
        pending.unlink()
        self._head, self._heads = record, True
        if self.remote is not None:
            self._share(record, head, tag)
        return record

    def _write_tree(
        self, configs: dict[str, bytes], state: dict[str, bytes] | None, head: Record | None
    ) -> str:
        """Put the configs (and state: it carries over unless replaced) in the
        work tree and the index; the tree's id."""
        for directory, contents in ((CONFIGS, configs), (STATE, state)):
            if contents is None and directory == STATE and head is not None:
                contents = self.state_at(head)
            target = self.path / directory
            for old in target.glob("*") if target.exists() else []:
                if old.name not in (contents or {}):
                    old.unlink()
            target.mkdir(exist_ok=True)
            for name, data in (contents or {}).items():
                (target / name).write_bytes(data)
        self.git.run("add", "--all", "--", MARKER, CONFIGS, STATE)
        return self.git.run("write-tree").decode().strip()

    def _commit_tree(self, record: Record, tree: str, head: Record | None) -> str:
        """The commit of ``tree`` with the record as its message, and the branch
        and the revision's index ref moved to it in one transaction."""
        stamp = f"{int(record.time.timestamp())} +0000"
        who = {
            "GIT_AUTHOR_NAME": record.actor,
            "GIT_AUTHOR_EMAIL": git_email(),
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": record.actor,
            "GIT_COMMITTER_EMAIL": git_email(),
            "GIT_COMMITTER_DATE": stamp,
        }
        parents = ["-p", head.commit] if head is not None else []
        commit = self.git.run("commit-tree", tree, *parents, stdin=record.message().encode(), env=who)
        sha = commit.decode().strip()
        # The branch moves only from the commit this one follows (compare-and-swap),
        # and the revision's index ref is made with it.
        previous = head.commit if head else "0" * 40
        updates = f"start\nupdate refs/heads/{BRANCH} {sha} {previous}\n"
        updates += f"create {REVISION_REF.format(record.revision)} {sha}\ncommit\n"
        self.git.run("update-ref", "--stdin", stdin=updates.encode())
        return sha

    def tag_backup(self, record: Record) -> None:
        message = record.to_json()
        who = {"GIT_COMMITTER_NAME": record.actor, "GIT_COMMITTER_EMAIL": git_email()}
        tag = ["tag", "--annotate", "--file=-", f"backup/{record.revision}", record.commit]
        self.git.run(*tag, stdin=message.encode(), env=who)

    def untag_backups(self, revisions: list[int]) -> None:
        """Drop backup tags; on a shared store, there first (all or none), so
        that a failed push changes nothing here."""
        if not revisions:
            return
        if self.remote is not None:
            try:
                self._push(*(f":refs/tags/backup/{n}" for n in revisions))
            except Rejected:
                raise StoreRaced(self.head()) from None
        self.git.run("tag", "--delete", *(f"backup/{n}" for n in revisions))
