"""``render --format litellm-proxy``: a complete proxy config that works as
written: hybridctl's validate finds nothing in it, LiteLLM's own Router loads
its deployments and fallbacks, and every model any route of the bundle can
choose is deployed under its catalog id."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from hybridctl.gateway.litellm_proxy import PLUGIN, proxy_config
from hybridctl.routing.router import Router
from tests.gateway.helpers import CHEAP, make_bundle, strategy
from tests.helpers import Project, RunFn

litellm = pytest.importorskip("litellm", reason="LiteLLM is a dev dependency (make test installs it)")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

ROLES = ("architect", "orchestrator", "implementer", "critic", "integrator")


def test_every_catalog_model_is_deployed_and_every_role_asked_for_serves_stable() -> None:
    bundle = make_bundle(weight=10)
    config = proxy_config(bundle).config
    entries = {e["model_name"]: e for e in config["model_list"]}

    assert set(strategy()["models"]) | set(ROLES) == set(entries)
    assert entries["claude-4.1-opus"]["litellm_params"]["model"] == "anthropic/claude-opus-4-1"
    assert entries["gemini-2.5-flash-lite"]["litellm_params"]["input_cost_per_token"] == 1e-07
    for role in ROLES:  # without a bundle, or without the plug-in, a role serves as stable does
        assert entries[role]["litellm_params"] == entries["glm-4.5"]["litellm_params"]
    assert {"glm-4.5": ["openrouter/sonoma-sky-alpha", "meta-llama/llama-3.2-3b-instruct:free"]} in config[
        "router_settings"
    ]["fallbacks"]
    assert config["router_settings"]["num_retries"] == 0
    assert config["litellm_settings"]["callbacks"] == [PLUGIN]
    assert config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"


def test_every_model_a_route_can_choose_is_deployed() -> None:
    bundle = make_bundle(weight=50, forced={"implementer": "claude-4.1-opus"})
    names = {e["model_name"] for e in proxy_config(bundle).config["model_list"]}
    router = Router(bundle)
    task = {"affected_services": ["a", "b", "c"], "security_impact": "data_breach"}

    chosen = {
        model
        for role in ROLES
        for user in (f"u-{n}" for n in range(200))
        for given in (None, task)
        for route in [router.route(role, user, given)]
        for model in (route.model, *route.fallbacks)
    }

    assert CHEAP in chosen and "claude-4.1-opus" in chosen
    assert chosen <= names


def test_a_model_the_candidate_defines_otherwise_is_said() -> None:
    candidate = copy.deepcopy(strategy())
    candidate["models"]["glm-4.5"]["pricing"]["inputPerMillion"] = 0.5
    rendered = proxy_config(make_bundle(weight=10, candidate=candidate))

    assert any("'glm-4.5'" in note for note in rendered.notes)
    glm = next(e for e in rendered.config["model_list"] if e["model_name"] == "glm-4.5")
    assert glm["litellm_params"]["input_cost_per_token"] == 6e-07  # stable's until promoted


def test_the_rendered_file_validates_and_loads_in_litellms_router(
    cli: RunFn, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ZAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(name, "sk-test-not-a-real-key")
    out = project.root / "config.yaml"

    rendered = cli("render", "--format", "litellm-proxy", "--out", str(out), cwd=project.root)
    checked = cli("validate", "--kind", "litellm", str(out), "--format", "json", cwd=project.root)

    assert rendered.exit_code == 0, rendered.stderr
    assert checked.exit_code == 0 and checked.json()["diagnostics"] == []
    text = out.read_text()
    assert text.startswith("# LiteLLM proxy config rendered by hybridctl") and "&id" not in text
    config: dict[str, Any] = yaml.safe_load(text)
    settings = config["router_settings"]
    router = litellm.Router(model_list=config["model_list"], fallbacks=settings["fallbacks"], num_retries=0)
    for name in [*ROLES, "claude-4.1-opus", CHEAP]:
        reply = router.completion(
            model=name, messages=[{"role": "user", "content": "hi"}], mock_response="ok"
        )
        assert reply.choices[0].message.content == "ok"
