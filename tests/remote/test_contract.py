"""schemas/management.openapi.json says what hybridctl sends and what it reads
back: checked against what a minimal server received from `hybridctl push`,
and against what the reference endpoint and a test server answer."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from hybridctl.remote.serve import serve
from tests.helpers import Project, RunFn, TargetServer
from tests.remote import test_serve as serve_tests

SCHEMAS = Path(__file__).parents[2] / "schemas"
TOKEN = "contract-" + "ab12" * 8
Start = Callable[..., TargetServer]


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAS / "management.openapi.json").read_text())
    return document


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Resolves the document's relative $ref to the shipped bundle schema."""
    bundle_schema = json.loads((SCHEMAS / "bundle.schema.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        "bundle.schema.json", Resource.from_contents(bundle_schema)
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


def independent_digest(bundle: dict[str, Any]) -> str:
    content = {k: v for k, v in bundle.items() if k not in ("generated_at", "digest")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_what_push_sends_is_what_the_openapi_document_describes(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    server = target_server(token=TOKEN)
    (project.root / "hybridctl.toml").write_text(f'targets = ["{server.url}"]\n')
    put = openapi()["paths"]["/hybridctl/bundle"]["put"]

    run = cli("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN})

    assert run.exit_code == 0, run.stderr
    ((headers, body),) = server.puts()
    sent = json.loads(body)
    validator(put["requestBody"]["content"]["application/json"]["schema"]).validate(sent)
    assert headers["Content-Type"] == "application/json"
    for parameter in put["parameters"]:
        assert parameter["in"] == "header" and parameter["required"]
        validator(parameter["schema"]).validate(headers[parameter["name"]])
    scheme = openapi()["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Idempotency-Key"] == sent["digest"] == independent_digest(sent)
    assert sent["version"] == 3 and sent["enabled"] is True and sent["forced"] == {}


@pytest.mark.parametrize("served", ["reference", "test server"])
def test_what_push_reads_back_is_what_the_openapi_document_describes(
    served: str, target_server: Start, tmp_path: Path
) -> None:
    get = openapi()["paths"]["/hybridctl/bundle"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    bundle = serve_tests.bundle(10)
    assert bundle["digest"] == independent_digest(bundle)
    body = json.dumps(bundle).encode()
    if served == "reference":
        endpoint = serve("127.0.0.1", 0, tmp_path / "app", token=None)  # the library: no token on loopback
        threading.Thread(target=endpoint.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{endpoint.server_port}/hybridctl/bundle"
    else:
        url = target_server().url

    try:
        empty = urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=5)
    except urllib.error.HTTPError as refused:
        assert refused.code == 404 and "404" in get["responses"]  # reference: no bundle yet
    else:
        validator(schema).validate(json.loads(empty.read()))
    put = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(put, timeout=5).status // 100 == 2
    answer = json.loads(urllib.request.urlopen(url, timeout=5).read())
    if served == "reference":
        health = json.loads(urllib.request.urlopen(url.replace("/hybridctl/bundle", "/healthz")).read())
        validator(
            openapi()["paths"]["/healthz"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        ).validate(health)
        endpoint.shutdown()
        endpoint.server_close()

    validator(schema).validate(answer)
    assert answer["digest"] == bundle["digest"]
