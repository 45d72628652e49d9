"""A store shared through a git remote: fetch before every command, push
after every change, and when another machine moved first, take ours back and
say so (StoreRaced). Nothing local changes before the histories are compared."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hybridctl.errors import RefusedError, RemoteError
from hybridctl.store.git import Git, GitFailed
from hybridctl.store.records import Record
from hybridctl.text import clean
from hybridctl.urls import shown_url

if TYPE_CHECKING:
    from collections.abc import Iterator

BRANCH = "main"
# An index kept in the store: one ref per revision, written with the commit, so
# that any revision is found at once however long the history.
REVISION_REF = "refs/hybridctl/revisions/{}"
# Where a fetch puts what the shared store holds, beside (never over) our refs.
_SHARED = "refs/hybridctl-shared"


class Rejected(Exception):
    """The shared store refused a push: it moved since we fetched."""


class StoreRaced(RefusedError):
    """Another machine recorded a change on the shared store first: ours was
    taken back, and the local store now holds theirs."""

    def __init__(self, theirs: Record | None) -> None:
        who = f"{theirs.kind} r{theirs.revision} by {theirs.actor}: {theirs.reason}" if theirs else "a change"
        super().__init__(
            f"another machine moved the shared store first ({who})",
            hint="hybridctl status shows where things stand; run the command again if it still applies",
        )
        self.theirs = theirs


class Sharing:
    """What a Store does with its remote. The Store provides ``path``, ``remote``,
    ``git``, its cached head and ``_log``."""

    path: Path
    remote: str | None
    git: Git
    _head: Record | None
    _heads: bool | None

    if TYPE_CHECKING:  # the Store's own, which these methods call

        def _log(self, *args: str) -> Iterator[Record]: ...
        def head(self) -> Record | None: ...

    def _rev(self, ref: str) -> str | None:
        try:
            return self.git.text("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip() or None
        except GitFailed:
            return None

    def _remote_failed(self, what: str, exc: GitFailed) -> RemoteError:
        return RemoteError(
            f"cannot {what} the shared store {shown_url(self.remote or '')}: {clean(str(exc))}",
            hint="check the network and the store-remote setting; hybridctl keeps working on the local store",
        )

    def sync(self) -> None:
        """Fetch the shared store and bring the local one up to it (under the lock):
        a fast-forward, or a push of what is only local. Histories that parted
        are refused, and nothing local changes before that is known."""
        if self.remote is None:
            return
        if not self.git.ok("remote", "get-url", "origin"):
            self.git.run("remote", "add", "--", "origin", self.remote)
        elif self.git.text("remote", "get-url", "origin").strip() != self.remote:
            self.git.run("remote", "set-url", "--", "origin", self.remote)
        try:
            # Into a namespace of its own: a fetch never overwrites a local ref,
            # so a store whose history parted is refused untouched.
            self.git.run(
                "fetch",
                "--quiet",
                "--no-tags",
                "--prune",
                "origin",
                f"+refs/heads/{BRANCH}:{_SHARED}/heads/{BRANCH}",
                f"+refs/tags/backup/*:{_SHARED}/tags/backup/*",
                f"+refs/hybridctl/*:{_SHARED}/hybridctl/*",
            )
        except GitFailed as exc:
            raise self._remote_failed("fetch", exc) from None
        theirs, ours = self._rev(f"{_SHARED}/heads/{BRANCH}"), self._rev(BRANCH)
        if theirs == ours:
            self._mirror_refs()
        elif theirs is None or (
            ours is not None and self.git.ok("merge-base", "--is-ancestor", theirs, ours)
        ):
            self._push_after(theirs)  # only local changes: share them
        elif ours is None or self.git.ok("merge-base", "--is-ancestor", ours, theirs):
            self.git.run("reset", "--hard", "--quiet", theirs)
            self._head, self._heads = None, True
            self._mirror_refs()
        else:
            raise RefusedError(
                f"the store at {self.path} and the shared store {shown_url(self.remote)} "
                "have different histories",
                hint=f"keep one: compare with git -C {self.path} log --oneline --graph --all",
            )

    def _refs(self, *prefixes: str) -> dict[str, str]:
        listed = self.git.text("for-each-ref", "--format=%(objectname) %(refname)", *prefixes)
        return {name: sha for sha, _, name in (line.partition(" ") for line in listed.splitlines())}

    def _mirror_refs(self) -> None:
        """Make the local backup tags and revision index what the shared store
        holds: a backup pruned there is pruned here. (Index refs are only ever
        added: a store whose index predates sharing keeps its own.)"""
        shared = {
            "refs/" + name.removeprefix(_SHARED + "/"): sha
            for name, sha in self._refs(f"{_SHARED}/tags/backup/", f"{_SHARED}/hybridctl/").items()
        }
        local = self._refs("refs/tags/backup/", "refs/hybridctl/")
        updates = [f"update {name} {sha}" for name, sha in shared.items() if local.get(name) != sha]
        updates += [
            f"delete {name}" for name in local if name not in shared and name.startswith("refs/tags/")
        ]
        if updates:
            self.git.run("update-ref", "--stdin", stdin=("\n".join(updates) + "\n").encode())

    def _push_after(self, theirs: str | None) -> None:
        """Share the local revisions the shared store lacks (those after ``theirs``)."""
        shared_revision = 0
        if theirs is not None:
            record = next(self._log("-1", theirs), None)
            shared_revision = record.revision if record else 0
        mine = self._refs("refs/tags/backup/", "refs/hybridctl/revisions/")
        newer = [name for name in mine if int(name.rsplit("/", 1)[1] or 0) > shared_revision]
        self._push(*(f"{ref}:{ref}" for ref in newer))

    def _push(self, *refspecs: str) -> None:
        """Push the branch and ``refspecs`` to the shared store, all or none."""
        wanted = [f"{BRANCH}:{BRANCH}", *refspecs]
        try:
            self.git.run("push", "--atomic", "--porcelain", "origin", *wanted)
        except GitFailed as exc:
            text = exc.output.lower()
            if any(word in text for word in ("rejected", "non-fast-forward", "fetch first", "stale info")):
                raise Rejected from None
            raise self._remote_failed("push to", exc) from None

    def _share(self, record: Record, previous: Record | None, tagged: bool) -> None:
        """Push a new revision; when another machine pushed first, take ours back,
        catch up with theirs, and say so (StoreRaced)."""
        refs = [REVISION_REF.format(record.revision)]
        refs += [f"refs/tags/backup/{record.revision}"] if tagged else []
        try:
            self._push(*(f"{ref}:{ref}" for ref in refs))
            return
        except Rejected:
            pass
        self.git.run("update-ref", "-d", REVISION_REF.format(record.revision), record.commit)
        self.git.ok("tag", "--delete", f"backup/{record.revision}")
        if previous is not None:
            self.git.run("reset", "--hard", "--quiet", previous.commit)
        self._head = previous
        self.sync()
        raise StoreRaced(self.head())
