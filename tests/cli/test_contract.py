"""What `hybridctl push` sends is what schemas/management.openapi.json describes,
checked on what a minimal server written here received."""

from __future__ import annotations

import json

from tests.helpers import Project, RunFn
from tests.remote.helpers import Start, independent_digest, openapi, validator

TOKEN = "contract-" + "ab12" * 8


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
