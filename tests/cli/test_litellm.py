"""`hybridctl render --format litellm`, loaded by LiteLLM's own Router: every
role answers, every route the routing library picks names an entry, and the
fallback chains work against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
import yaml

from hybridctl.routing import Router
from hybridctl.routing.grants import Grant, sign_grant
from tests.helpers import Answer, JsonServer, Project, RunFn

# LiteLLM reads its price map from the network unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm", reason="LiteLLM is a dev dependency (make test installs it)")

# LiteLLM's own import warns about its pydantic models; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

ROLES = ("architect", "orchestrator", "implementer", "critic", "integrator")
MESSAGES = [{"role": "user", "content": "review this change"}]


def render(cli: RunFn, project: Project) -> dict[str, Any]:
    out = project.root / "litellm.yaml"
    run = cli("render", "--format", "litellm", "--out", str(out), cwd=project.root)
    assert run.exit_code == 0, run.stderr
    loaded: dict[str, Any] = yaml.safe_load(out.read_text())
    return loaded


def gateway(config: dict[str, Any]) -> Any:
    return litellm.Router(model_list=config["model_list"], **config["router_settings"])


def test_the_shipped_strategy_loads_in_litellm_and_every_role_answers(
    cli: RunFn, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ZAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(name, "sk-test-not-a-real-key")
    config = render(cli, project)
    entries = {e["model_name"]: e["litellm_params"] for e in config["model_list"]}

    assert {role: entries[role]["model"] for role in ROLES} == dict.fromkeys(ROLES, "zai/glm-4.5")
    assert entries["claude-4.1-opus"]["model"] == "anthropic/claude-opus-4-1"
    assert entries["claude-4.1-opus"]["api_key"] == "os.environ/ANTHROPIC_API_KEY"
    assert entries["claude-4.1-opus"]["cache_creation_input_token_cost"] == pytest.approx(18.75e-6)
    # the catalog's https://api.anthropic.com/v1, without the version LiteLLM appends itself
    assert entries["claude-4.1-opus"]["api_base"] == "https://api.anthropic.com"
    assert entries["glm-4.5"]["api_base"] == "https://api.z.ai/api/paas/v4"
    assert entries["glm-4.5"]["input_cost_per_token"] == pytest.approx(0.6e-6)
    assert {"architect": ["openrouter/sonoma-sky-alpha", "meta-llama/llama-3.2-3b-instruct:free"]} in config[
        "router_settings"
    ]["fallbacks"]
    router = gateway(config)
    for name in [*ROLES, "claude-4.1-opus", "openrouter/sonoma-sky-alpha"]:
        reply = router.completion(model=name, messages=MESSAGES, mock_response=f"ok from {name}")
        assert reply.choices[0].message.content == f"ok from {name}"


def test_during_a_canary_every_route_names_an_entry_litellm_serves(cli: RunFn, project: Project) -> None:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
        config["roles"]["critic"]["fallbacks"] = ["glm-4.5"]
        config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]

    project.edit_config(change)
    assert cli("stage", "-r", "critic on flash lite", "--no-push", cwd=project.root).exit_code == 0
    assert cli("promote", "--no-push", cwd=project.root).exit_code == 0
    config = render(cli, project)
    bundle = json.loads(cli("render", cwd=project.root).stdout)
    names = {e["model_name"] for e in config["model_list"]}
    key = b"l" * 32
    routes = Router(bundle, grant_key=key)
    grant = sign_grant(key, Grant("esc-0000beef", "architect", int(time.time()) + 600))
    task = {"affected_services": ["a", "b", "c"], "security_impact": "system-wide", "approval": grant}

    asked = {
        routes.route(role, f"user-{n}", task if n % 2 else None).gateway_model
        for n in range(400)
        for role in ROLES
    }
    assert asked <= names
    assert {"candidate/critic", "critic", "candidate/claude-4.1-opus", "claude-4.1-opus"} <= asked
    critic = next(e for e in config["model_list"] if e["model_name"] == "candidate/critic")
    assert critic["litellm_params"]["model"] == "gemini/gemini-2.5-flash-lite"
    assert critic["model_info"]["hybridctl_revision"] == 2
    assert {"candidate/critic": ["candidate/glm-4.5"]} in config["router_settings"]["fallbacks"]
    router = gateway(config)
    for name in sorted(asked):
        assert router.completion(model=name, messages=MESSAGES, mock_response="ok").choices[0].message.content


class ChatServer(JsonServer):
    """An OpenAI-compatible /chat/completions and Anthropic's /messages: 429 for
    the models in ``limited``."""

    def __init__(self, limited: set[str]) -> None:
        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
            model = json.loads(body)["model"]
            self.models.append(model)
            if model in limited:
                return 429, {
                    "type": "error",
                    "error": {"message": "rate limited", "type": "rate_limit_error"},
                }
            return 200, {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1764547200,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"from {model}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            }

        self.models: list[str] = []
        super().__init__(answer)


def test_litellm_falls_back_along_the_rendered_chain_on_a_real_server(
    cli: RunFn, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ChatServer(limited={"edge-primary"})
    try:

        def change(config: dict[str, Any]) -> None:
            config["providers"]["edge"] = {"baseUrl": f"{server.url}/v1", "apiKeyEnv": "EDGE_API_KEY"}
            config["providers"]["anthropic"]["baseUrl"] = f"{server.url}/v1"  # as the catalog writes it
            price = {"inputPerMillion": 1, "outputPerMillion": 2}
            config["models"]["edge-opus"] = {
                "provider": "anthropic",
                "providerModelId": "claude-opus-4-1",
                "tier": "premium",
                "pricing": price,
                "fallback": "edge-primary",
            }
            config["models"]["edge-primary"] = {
                "provider": "edge",
                "providerModelId": "edge-primary",
                "tier": "primary",
                "pricing": price,
                "fallback": "edge-backup",
            }
            config["models"]["edge-backup"] = {
                "provider": "edge",
                "providerModelId": "edge-backup",
                "tier": "fallback",
                "pricing": price,
            }
            config["roles"]["implementer"] = {"primary": "edge-opus"}

        project.edit_config(change)
        assert cli("stage", "-r", "implementer on the edge", "--no-push", cwd=project.root).exit_code == 0
        monkeypatch.setenv("EDGE_API_KEY", "sk-edge-0123456789")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789")
        config = render(cli, project)
        entries = {e["model_name"]: e["litellm_params"] for e in config["model_list"]}
        assert entries["candidate/implementer"]["model"] == "anthropic/claude-opus-4-1"
        assert entries["candidate/implementer"]["api_base"] == server.url  # LiteLLM adds /v1/messages
        assert entries["candidate/edge-primary"]["model"] == "openai/edge-primary"  # OpenAI-compatible
        assert entries["candidate/edge-primary"]["api_base"] == f"{server.url}/v1"

        reply = gateway(config).completion(model="candidate/implementer", messages=MESSAGES)

        assert reply.choices[0].message.content == "from edge-backup"
        assert server.models[0] == "claude-opus-4-1" and server.models[-1] == "edge-backup"
        assert "edge-primary" in server.models
        sent = [(path, {k.lower(): v for k, v in headers.items()}) for _, path, headers in server.received]
        assert {path for path, _ in sent} == {"/v1/messages", "/v1/chat/completions"}
        anthropic_keys = {h.get("x-api-key") for path, h in sent if path == "/v1/messages"}
        assert anthropic_keys == {"sk-ant-test-0123456789"}
        assert {h.get("authorization") for path, h in sent if path == "/v1/chat/completions"} == {
            "Bearer sk-edge-0123456789"
        }
    finally:
        server.close()


def test_render_litellm_output_passes_validate_kind_litellm(cli: RunFn, project: Project) -> None:
    out = project.root / "litellm.yaml"
    assert cli("render", "-f", "litellm", "-o", str(out), cwd=project.root).exit_code == 0

    run = cli("validate", "--kind", "litellm", "--strict", "--format", "json", str(out), cwd=project.root)

    assert run.json()["diagnostics"] == [] and run.exit_code == 0


def test_rate_limit_fallbacks_litellm_cannot_express_are_said(cli: RunFn, project: Project) -> None:
    project.edit_config(
        lambda c: c["roles"]["critic"].update(
            fallbacksOn={"rateLimit": ["claude-4.1-opus"], "contextWindow": ["claude-4.1-opus"]}
        )
    )
    assert cli("stage", "-r", "critic fallbacks by error", "--no-push", cwd=project.root).exit_code == 0

    run = cli("render", "--format", "litellm", cwd=project.root)

    assert run.exit_code == 0
    assert "LiteLLM has no fallbacks of its own for rateLimit" in run.stderr
    config = yaml.safe_load(run.stdout)
    assert config["router_settings"]["context_window_fallbacks"] == [
        {"candidate/critic": ["candidate/claude-4.1-opus"]}
    ]
