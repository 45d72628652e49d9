"""hybridctl providers check against OpenAI-compatible /models servers written
here: served, missing, a refused key, an unreachable provider, --offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import JsonServer, ModelsServer, Project, RunFn, closed_port_url

KEYS = {"ZAI_API_KEY": "zai-" + "1a2b" * 8, "ANTHROPIC_API_KEY": "sk-ant-api03-" + "Q" * 40}
Start = Callable[..., Any]


def point_providers(project: Project, urls: dict[str, str]) -> None:
    def change(config: dict[str, Any]) -> None:
        for name, url in urls.items():
            config["providers"][name]["baseUrl"] = url

    project.edit_config(change)


def served(cli: RunFn, project: Project, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    run = cli("providers", "check", "--json", cwd=project.root, env=env)
    data = run.json()
    statuses = {m["model"]: m for m in data["models"]}
    return run.exit_code, statuses, run.stdout + run.stderr


def test_every_model_in_use_served_is_ok(cli: RunFn, project: Project, local_server: Start) -> None:
    zai = local_server(ModelsServer, ["glm-4.5", "glm-4.5-air"], token=KEYS["ZAI_API_KEY"])
    anthropic = local_server(ModelsServer, ["claude-opus-4-1-20250805"], token=KEYS["ANTHROPIC_API_KEY"])
    everything = [
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
        "models/gemini-2.5-flash-lite",
    ]
    openrouter = local_server(ModelsServer, everything[:2], token="or-key-012345")
    google = local_server(ModelsServer, everything[2:], token="g-key-012345")
    point_providers(
        project,
        {
            "zai": zai.base_url,
            "anthropic": anthropic.base_url,
            "openrouter": openrouter.base_url,
            "google": google.base_url,
        },
    )

    code, models, shown = served(
        cli,
        project,
        {**KEYS, "OPENROUTER_API_KEY": "or-key-012345", "GEMINI_API_KEY": "g-key-012345"},
    )

    assert code == 0
    assert {m: r["status"] for m, r in models.items()} == dict.fromkeys(models, "ok")
    assert models["claude-4.1-opus"]["why"] == "served as claude-opus-4-1-20250805"
    assert models["gemini-2.5-flash-lite"]["why"] == "served as models/gemini-2.5-flash-lite"
    assert all(key not in shown for key in KEYS.values())
    ((method, path, headers),) = anthropic.received
    assert (method, path) == ("GET", "/v1/models")
    assert headers["Authorization"] == f"Bearer {KEYS['ANTHROPIC_API_KEY']}"


def test_a_missing_model_a_refused_key_and_an_unreachable_provider_exit_1(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    zai = local_server(ModelsServer, ["glm-4.6"], token=KEYS["ZAI_API_KEY"])  # glm-4.5 withdrawn
    anthropic = local_server(ModelsServer, ["claude-opus-4-1-20250805"], token="another key")
    point_providers(
        project,
        {
            "zai": zai.base_url,
            "anthropic": anthropic.base_url,
            "openrouter": closed_port_url().rsplit("/hybridctl", 1)[0],
        },
    )

    code, models, shown = served(cli, project, {**KEYS, "OPENROUTER_API_KEY": "or-key-012345"})
    text = cli("providers", "check", cwd=project.root, env=KEYS)

    assert code == 1
    assert models["glm-4.5"]["status"] == "missing" and models["glm-4.5"]["in_use"] is True
    assert models["claude-4.1-opus"]["status"] == "unauthorized"
    assert "was refused" in models["claude-4.1-opus"]["why"]
    assert models["openrouter/sonoma-sky-alpha"]["status"] == "unreachable"
    assert models["gemini-2.5-flash-lite"]["status"] == "unauthorized"  # GEMINI_API_KEY is not set
    assert models["gemini-2.5-flash-lite"]["why"] == "GEMINI_API_KEY is not set"
    assert all(key not in shown + text.stdout + text.stderr for key in KEYS.values())
    assert text.exit_code == 1 and "not ready" in text.stdout


def test_offline_asks_nobody(cli: RunFn, project: Project, local_server: Start) -> None:
    zai = local_server(ModelsServer, ["glm-4.5"], token="k")
    point_providers(project, {"zai": zai.base_url})

    run = cli("providers", "check", "--offline", cwd=project.root)

    assert run.exit_code == 0 and "skipped" in run.stdout
    assert zai.received == []


def only_zai(project: Project, url: str) -> None:
    """The zai provider at ``url``; the other providers on a port nothing listens on."""
    closed = closed_port_url().rsplit("/hybridctl", 1)[0]
    point_providers(project, {"zai": url, "anthropic": closed, "openrouter": closed, "google": closed})


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", b"not json"],
)
def test_a_hostile_model_list_is_unreachable_never_a_traceback(
    cli: RunFn, project: Project, local_server: Start, body: bytes
) -> None:
    zai = local_server(JsonServer, lambda *request: (200, body))
    only_zai(project, f"{zai.url}/v1")

    run = cli("providers", "check", "--json", cwd=project.root, env=KEYS)

    assert run.exit_code == 1
    glm = next(m for m in run.json()["models"] if m["model"] == "glm-4.5")
    assert glm["status"] == "unreachable" and "did not answer with a model list" in glm["why"]


def test_an_endless_model_list_is_cut_at_its_limit(cli: RunFn, project: Project, local_server: Start) -> None:
    from hybridctl.remote import models

    endless = b'{"data": [' + b'{"id": "m"},' * 3_000_000 + b'{"id": "glm-4.5"}]}'  # 36 MB
    assert len(endless) > models.MAX_LIST_BYTES
    zai = local_server(JsonServer, lambda *request: (200, endless))
    only_zai(project, f"{zai.url}/v1")

    run = cli("providers", "check", "--json", cwd=project.root, env=KEYS)

    glm = next(m for m in run.json()["models"] if m["model"] == "glm-4.5")
    assert glm["status"] == "unreachable" and "larger than 32 MiB" in glm["why"]


def test_the_page_cursor_is_sent_url_encoded(cli: RunFn, project: Project, local_server: Start) -> None:
    cursor = "glm a&limit=1#x"

    def pages(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        if "after_id" not in path:
            return 200, {"data": [{"id": "glm-4.5-air"}], "has_more": True, "last_id": cursor}
        return 200, {"data": [{"id": "glm-4.5"}], "has_more": False}

    zai = local_server(JsonServer, pages)
    only_zai(project, f"{zai.url}/v1")

    run = cli("providers", "check", "--json", cwd=project.root, env=KEYS)

    glm = next(m for m in run.json()["models"] if m["model"] == "glm-4.5")
    assert glm["status"] == "ok"
    assert zai.received[1][1] == "/v1/models?limit=1000&after_id=glm%20a%26limit%3D1%23x"


def test_a_key_a_header_cannot_hold_is_named_never_shown(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    zai = local_server(ModelsServer, ["glm-4.5"], token=KEYS["ZAI_API_KEY"])
    only_zai(project, zai.base_url)

    run = cli("providers", "check", "--json", cwd=project.root, env={"ZAI_API_KEY": "zai-key-Q7\nmore"})

    glm = next(m for m in run.json()["models"] if m["model"] == "glm-4.5")
    assert glm["status"] == "unauthorized" and "ZAI_API_KEY" in glm["why"] and "header" in glm["why"]
    assert "zai-key-Q7" not in run.stdout + run.stderr and zai.received == []


def test_a_password_inside_a_base_url_is_never_shown(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    zai = local_server(JsonServer, lambda *request: (500, {"error": "down"}))
    only_zai(project, zai.url.replace("http://", "http://svc:pw-Secret-99@") + "/v1")

    run = cli("providers", "check", "--json", cwd=project.root, env=KEYS)
    text = cli("providers", "check", cwd=project.root, env=KEYS)
    validated = cli("validate", cwd=project.root)

    glm = next(m for m in run.json()["models"] if m["model"] == "glm-4.5")
    assert glm["why"] == f"HTTP 500 from {zai.url}/v1/models"
    for said in (run, text, validated):
        assert "pw-Secret-99" not in said.stdout + said.stderr and "svc:" not in said.stdout + said.stderr
    assert validated.exit_code == 1 and "a URL with a password in it (not shown)" in validated.stdout
