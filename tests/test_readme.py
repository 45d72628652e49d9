"""The README's figures that the code defines: a change to either fails here."""

from __future__ import annotations

import re

from tests.helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
MiB = 1 << 20


def test_the_bundle_format_version_is_the_one_rendered() -> None:
    from hybridctl.rollout.bundle import BUNDLE_VERSION

    assert f"The bundle (format version {BUNDLE_VERSION}, `schemas/bundle.schema.json`)" in README


def test_the_security_table_states_the_limits_the_code_applies() -> None:
    import inspect

    from hybridctl.analysis.providers import prometheus
    from hybridctl.remote import http, serve
    from hybridctl.remote import models as providers

    listing = inspect.signature(providers.check).parameters["policy"].default
    rows = {
        "a target (PUT, then GET read back)": (http.Policy().max_bytes, http.Policy().timeout_s),
        "a Prometheus query (13 at once)": (prometheus.MAX_ANSWER_BYTES, http.Policy().timeout_s),
        "a provider's `/models` (every page together)": (providers.MAX_LIST_BYTES, listing.timeout_s),
        "a webhook's reply": (http.Policy().max_bytes, http.Policy().timeout_s),
        "usage events at a `[metrics] url` (to a temporary file)": (
            http.DOWNLOAD.max_bytes,
            http.DOWNLOAD.deadline_s,
        ),
    }
    for what, (size, seconds) in rows.items():
        shown = f"{size // (1 << 30)} GiB" if size >= 1 << 30 else f"{size // MiB} MiB"
        assert re.search(rf"\| {re.escape(what)} \| {shown} \| {seconds:g} s \|", README), what
    assert len(prometheus.PER_VARIANT) * 2 + 1 == 13
    limits: tuple[float, ...] = (serve.MAX_BUNDLE_BYTES // MiB, serve.MAX_CONNECTIONS)
    limits += (serve.READ_TIMEOUT_S, serve.REQUEST_DEADLINE_S)
    stated = "bounds bodies ({:g} MiB),\nconnections ({:g}), reads ({:g} s) and requests ({:g} s)".format(
        *limits
    )
    assert stated in README
