"""hybridctl providers check against OpenAI-compatible /models servers written
here: served, missing, a refused key, an unreachable provider, --offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.helpers import ModelsServer, Project, RunFn, closed_port_url

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
