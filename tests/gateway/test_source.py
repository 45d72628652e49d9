"""Where the gateway reads its bundle: a file, or hybridctl's reference
endpoint over HTTP (a real server on 127.0.0.1). A new good bundle is served
at the next read; anything else (missing, torn, forged, a server down or
refusing the token) keeps the last good one, and says why."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hybridctl.errors import UsageError
from hybridctl.gateway.source import BundleFile, BundleWatcher, interval_from_env, source_from
from hybridctl.remote.serve import Endpoint, serve
from tests.gateway.helpers import make_bundle

TOKEN = "gateway-source-" + "9c" * 8


def write(path: Path, bundle: dict[str, object]) -> str:
    path.write_text(json.dumps(bundle))
    return str(bundle["digest"])


def test_a_file_is_served_when_it_changes_and_kept_when_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    first = write(path, make_bundle(weight=10))
    watcher = BundleWatcher(BundleFile(path))

    assert watcher.check() is True and watcher.current is not None and watcher.current.digest == first
    assert watcher.check() is False and watcher.problem is None  # unchanged: not even parsed again

    text = path.read_text()
    path.write_text(text[: len(text) // 2])  # torn
    assert watcher.check() is False and "not JSON" in (watcher.problem or "")
    forged = json.loads(text)
    forged["weight"] = 50  # the candidate to half the users, without a digest that says so
    path.write_text(json.dumps(forged))
    assert watcher.check() is False and "digest does not match" in (watcher.problem or "")
    path.write_text(json.dumps({"version": 3}))
    assert watcher.check() is False and "bundle.schema.json" in (watcher.problem or "")
    path.unlink()
    assert watcher.check() is False and str(path) in (watcher.problem or "")
    assert watcher.current.digest == first  # the last good bundle throughout

    second = write(path, make_bundle(weight=50))
    assert watcher.check() is True and watcher.current.digest == second and watcher.problem is None
    assert watcher.current.router.weight == 50


def test_a_file_too_large_to_be_a_bundle_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    with path.open("wb") as handle:
        handle.truncate(17 << 20)
    watcher = BundleWatcher(BundleFile(path))

    assert watcher.check() is False and "more than a bundle may hold" in (watcher.problem or "")
    assert watcher.current is None


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    running = serve("127.0.0.1", 0, tmp_path / "endpoint", token=TOKEN)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def put(endpoint: Endpoint, bundle: dict[str, object]) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{endpoint.server_port}/hybridctl/bundle",
        data=json.dumps(bundle).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def test_a_management_endpoint_is_read_with_its_token(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{endpoint.server_port}/hybridctl/bundle"
    bundle = make_bundle(weight=10)
    put(endpoint, bundle)
    monkeypatch.setenv("HYBRIDCTL_BUNDLE_TOKEN", TOKEN)
    watcher = BundleWatcher(source_from(url))

    assert watcher.check() is True and watcher.current is not None
    assert watcher.current.digest == bundle["digest"]

    monkeypatch.setenv("HYBRIDCTL_BUNDLE_TOKEN", "another-" + "0" * 16)
    refused = BundleWatcher(source_from(url))
    assert refused.check() is False and "HTTP 401" in (refused.problem or "") and refused.current is None
    assert TOKEN not in (refused.problem or "")

    endpoint.shutdown()
    endpoint.server_close()
    assert watcher.check() is False and "connection refused" in (watcher.problem or "")
    assert watcher.current.digest == bundle["digest"]


def test_a_url_with_a_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    source = source_from("http://gateway:hunter2-secret@127.0.0.1:9/hybridctl/bundle")
    watcher = BundleWatcher(source)

    assert watcher.check() is False
    assert "hunter2-secret" not in (watcher.problem or "") and "127.0.0.1:9" in (watcher.problem or "")


def test_a_url_that_is_not_http_with_a_host_is_refused() -> None:
    with pytest.raises(UsageError):
        source_from("http://")


def test_the_watcher_serves_a_new_bundle_at_its_next_read(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    write(path, make_bundle(weight=10))
    seen: list[bool] = []
    watcher = BundleWatcher(BundleFile(path), interval_s=0.05)
    watcher.start(seen.append)
    deadline = time.monotonic() + 30
    while watcher.current is None and time.monotonic() < deadline:
        time.sleep(0.01)
    second = write(path, make_bundle(weight=50))
    while (watcher.current is None or watcher.current.digest != second) and time.monotonic() < deadline:
        time.sleep(0.01)

    assert watcher.current is not None and watcher.current.digest == second
    assert seen.count(True) == 2  # once for each bundle, however many reads


@pytest.mark.parametrize(
    "value, expected", [("0.5", 0.5), ("0", 1.0), ("abc", 1.0), ("1e9", 1.0), (None, 1.0)]
)
def test_the_read_interval_comes_from_the_environment_within_bounds(
    value: str | None, expected: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("HYBRIDCTL_BUNDLE_INTERVAL", raising=False)
    else:
        monkeypatch.setenv("HYBRIDCTL_BUNDLE_INTERVAL", value)
    assert interval_from_env() == expected
