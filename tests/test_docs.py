"""The documentation: the README stays a short front door; every command and
every setting is documented; the figures the code defines are the ones the
pages state (a change to either fails here)."""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

import pytest

from tests.helpers import REPO

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
MiB = 1 << 20


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def cli_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", REPO / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("cli_reference", module)
    spec.loader.exec_module(module)
    return module


def guides() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((DOCS / "guides").glob("*.md")))


def test_the_readme_is_a_short_front_door_with_the_two_commands_first() -> None:
    lines = README.splitlines()
    assert len(lines) <= 200
    assert lines[3].startswith("make demo") and lines[4].startswith("make test")
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / link).is_file(), link


def test_every_command_is_in_a_guide_and_in_the_generated_reference() -> None:
    module = cli_reference()
    reference = module.reference()
    text = guides()
    paths = [path for path, _, _ in module.commands()]
    assert {"validate", "backup create", "rollout run", "report savings", "prices check"} <= set(paths)
    for path, command, context in module.commands():
        assert re.search(rf"hybridctl {re.escape(path)}\b", text), f"no guide shows hybridctl {path}"
        assert f"hybridctl {path}\n" in reference
        section = "\n".join(module.section(path, command, context))
        for parameter in command.get_params(context):
            for option in getattr(parameter, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert f"`{option}`" in section, f"{path} {option}"


def test_every_setting_and_its_variable_is_in_the_settings_reference() -> None:
    from hybridctl.app.settings import KEYS

    settings = page("reference/settings.md")
    for key, (variable, _) in KEYS.items():
        assert f"| `{key}` |" in settings or f"| `[{key}]` |" in settings or f"| `[[{key}]]` |" in settings, (
            key
        )
        if variable:
            assert f"`{variable}`" in settings, variable
    assert "`HYBRIDCTL_READER`" in settings
    for table_key in ("provider", "url", "token-env", "[metrics.queries]", "url-env", "header"):
        assert f"`{table_key}`" in settings, table_key


def test_every_exit_code_is_in_the_exit_code_reference() -> None:
    from hybridctl.errors import ExitCode

    codes = page("reference/exit-codes.md")
    for code in ExitCode:
        assert f"| {int(code)} |" in codes, code
    assert "| 6 |" in codes  # rollout run --timeout, not an error class


def test_every_metric_the_default_queries_read_is_in_the_metrics_reference() -> None:
    from hybridctl.analysis.providers.prometheus import DEFAULT_QUERIES

    metrics = page("reference/metrics.md")
    for name, query in DEFAULT_QUERIES.items():  # the names [metrics.queries] replaces them by
        assert f"`{name}`" in metrics, name
        assert f"`{query}`" in metrics, query  # the query as sent, word for word
    for query in DEFAULT_QUERIES.values():
        for name in re.findall(r"llm_[a-z_]+", query):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            assert f"`{base}`" in metrics, name


@pytest.mark.parametrize("name", sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")))
def test_every_page_is_in_the_site_navigation(name: str) -> None:
    assert f": {name}" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")


def test_the_bundle_format_version_is_the_one_rendered() -> None:
    from hybridctl.rollout.bundle import BUNDLE_VERSION

    assert f"The bundle (format version {BUNDLE_VERSION}, `schemas/bundle.schema.json`)" in page(
        "guides/delivery.md"
    )


def test_the_security_table_states_the_limits_the_code_applies() -> None:
    import inspect

    from hybridctl.analysis.providers import prometheus
    from hybridctl.remote import http, serve
    from hybridctl.remote import models as providers

    security = page("explanation/security.md")
    listing = inspect.signature(providers.check).parameters["policy"].default
    rows = {
        "a target (PUT, then GET read back)": (http.Policy().max_bytes, http.Policy().timeout_s),
        "a Prometheus query (up to 49 at once, 16 in flight)": (
            prometheus.MAX_ANSWER_BYTES,
            http.Policy().timeout_s,
        ),
        "a provider's `/models` (every page together)": (providers.MAX_LIST_BYTES, listing.timeout_s),
        "a webhook's reply": (http.Policy().max_bytes, http.Policy().timeout_s),
        "usage events at a `[metrics] url` (to a temporary file)": (
            http.DOWNLOAD.max_bytes,
            http.DOWNLOAD.deadline_s,
        ),
    }
    for what, (size, seconds) in rows.items():
        shown = f"{size // (1 << 30)} GiB" if size >= 1 << 30 else f"{size // MiB} MiB"
        assert re.search(rf"\| {re.escape(what)} \| {shown} \| {seconds:g} s \|", security), what
    assert (
        len(prometheus.PER_VARIANT) * 2 + 1 + 4 * prometheus.BATCHES == 49 and http.Policy().concurrency == 16
    )
    limits: tuple[float, ...] = (serve.MAX_BUNDLE_BYTES // MiB, serve.MAX_CONNECTIONS)
    limits += (serve.READ_TIMEOUT_S, serve.REQUEST_DEADLINE_S)
    stated = "bounds bodies ({:g} MiB),\nconnections ({:g}), reads ({:g} s) and requests ({:g} s)".format(
        *limits
    )
    assert stated in security
