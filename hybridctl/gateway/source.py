"""Where a gateway reads the bundle it routes by, and how it keeps routing
when that source fails.

The source is a file (as ``hybridctl serve --dir`` or ``hybridctl render
--out`` writes it) or the http(s) URL of a management endpoint. A watcher
thread reads it every ``interval`` seconds and swaps in a new router only for
a bundle that passes the contract's checks (its schema and its digest) and
that the routing library can route by. Anything else (a missing file, a
server that is down, a torn or forged bundle) keeps the last good bundle and
is said in ``problem``: a broken source never fails a request.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.credentials import token_from
from hybridctl.remote.contract import NotABundle, read_bundle
from hybridctl.routing.buckets import UnknownHash
from hybridctl.routing.router import Router
from hybridctl.urls import shown_url

BUNDLE_ENV = "HYBRIDCTL_BUNDLE"  # a file path, or an http(s) URL of a management endpoint
TOKEN_ENV = "HYBRIDCTL_BUNDLE_TOKEN"  # the bearer token a URL source needs
INTERVAL_ENV = "HYBRIDCTL_BUNDLE_INTERVAL"  # seconds between reads
DEFAULT_INTERVAL_S = 1.0
MAX_BUNDLE_BYTES = 16 << 20  # as the reference endpoint accepts


class Loaded(NamedTuple):
    """A bundle that passed every check, and the router built from it."""

    bundle: dict[str, Any]
    router: Router
    digest: str
    loaded_at: float  # time.time() when it was read


class SourceProblem(Exception):
    """Why the source gave no bundle this time (the last good one stays)."""


class BundleFile:
    """A bundle file; read again only when its size, time or inode changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._seen: tuple[int, int, int] | None = None

    def read(self) -> bytes | None:
        """The file's bytes, or None when it has not changed since the last read."""
        try:
            stat = self.path.stat()
        except OSError as error:
            raise SourceProblem(f"{self.where}: {error.strerror or error}") from None
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen == self._seen:
            return None
        if stat.st_size > MAX_BUNDLE_BYTES:
            raise SourceProblem(f"{self.where}: {stat.st_size} bytes, more than a bundle may hold")
        try:
            with self.path.open("rb") as handle:
                body = handle.read(MAX_BUNDLE_BYTES + 1)
        except OSError as error:
            raise SourceProblem(f"{self.where}: {error.strerror or error}") from None
        self._seen = seen
        return body

    def forget(self) -> None:
        """Read it again next time (what was read could not be used)."""
        self._seen = None


class BundleURL:
    """A management endpoint's GET: the bundle it serves, bounded in size and time."""

    def __init__(self, url: str, token: str | None) -> None:
        from hybridctl.remote.http import Caller, Policy

        self.url = url
        self.where = shown_url(url)
        self._headers = {"Accept": "application/json"}
        if token is not None:
            self._headers["Authorization"] = f"Bearer {token}"
        self._caller = Caller(None, Policy(timeout_s=2.0, attempts=1, max_bytes=MAX_BUNDLE_BYTES))

    def read(self) -> bytes | None:
        answer = self._caller.request("GET", self.url, headers=self._headers)
        if answer.error is not None:
            raise SourceProblem(f"{self.where}: {answer.error}")
        if answer.status != 200:
            raise SourceProblem(f"{self.where}: HTTP {answer.status}")
        return answer.body

    def forget(self) -> None:
        """Nothing to forget: every read asks again."""


Source = BundleFile | BundleURL


def source_from(location: str, token_env: str = TOKEN_ENV) -> Source:
    """``HYBRIDCTL_BUNDLE`` as a source: an http(s) URL, else a file path."""
    if location.startswith(("http://", "https://")):
        from hybridctl.urls import http_url

        return BundleURL(http_url(location, BUNDLE_ENV), token_from(token_env))
    return BundleFile(Path(location))


@dataclass
class BundleWatcher:
    """The last good bundle from a source, read again every ``interval_s``."""

    source: Source
    interval_s: float = DEFAULT_INTERVAL_S
    current: Loaded | None = None  # swapped whole: a request reads one consistent router
    problem: str | None = None  # why the last read gave nothing new, or None when it was fine
    checked_at: float = 0.0
    grant_key: bytes | None = None  # checks approval grants (HYBRIDCTL_GRANT_KEY)

    def check(self) -> bool:
        """Read the source once; True when a new bundle is now served."""
        self.checked_at = time.time()
        try:
            body = self.source.read()
            if body is None:
                self.problem = None
                return False
            loaded = self._load(body)
        except SourceProblem as problem:
            self.problem = str(problem)
            return False
        self.problem = None
        if self.current is not None and self.current.digest == loaded.digest:
            return False
        self.current = loaded
        return True

    def _load(self, body: bytes) -> Loaded:
        try:
            bundle = read_bundle(body)
            router = Router(bundle, grant_key=self.grant_key)
        except NotABundle as problem:
            self.source.forget()
            raise SourceProblem(f"{self.source.where}: {problem.message}") from None
        except UnknownHash as problem:
            self.source.forget()
            raise SourceProblem(f"{self.source.where}: {problem}") from None
        except (KeyError, TypeError, ValueError) as problem:  # a strategy the router cannot read
            self.source.forget()
            raise SourceProblem(f"{self.source.where}: cannot route by it: {problem!r}") from None
        return Loaded(bundle, router, str(bundle["digest"]), time.time())

    def start(self, on_check: Callable[[bool], None] | None = None) -> threading.Thread:
        """Check now, then every ``interval_s`` in a daemon thread; ``on_check(changed)`` after each."""

        def loop() -> None:
            while True:
                changed = self.check()
                if on_check is not None:
                    on_check(changed)
                time.sleep(self.interval_s)

        thread = threading.Thread(target=loop, name="hybridctl-bundle", daemon=True)
        thread.start()
        return thread


def interval_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``HYBRIDCTL_BUNDLE_INTERVAL``: seconds between reads, 0.1 to 300 (else the default)."""
    env = os.environ if environ is None else environ
    try:
        value = float(env.get(INTERVAL_ENV, DEFAULT_INTERVAL_S))
    except ValueError:
        return DEFAULT_INTERVAL_S
    return value if 0.1 <= value <= 300 else DEFAULT_INTERVAL_S
