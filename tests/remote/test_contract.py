"""schemas/management.openapi.json says what hybridctl sends and what it reads
back: checked against what a minimal server received from `hybridctl push`,
and against what the reference endpoint and a test server answer."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hybridctl.remote.serve import serve
from tests.remote.helpers import Start, independent_digest, openapi, validator
from tests.remote.helpers import bundle as rendered_bundle


@pytest.mark.parametrize("served", ["reference", "test server"])
def test_what_push_reads_back_is_what_the_openapi_document_describes(
    served: str, target_server: Start, tmp_path: Path
) -> None:
    get = openapi()["paths"]["/hybridctl/bundle"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    bundle = rendered_bundle(10)
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
