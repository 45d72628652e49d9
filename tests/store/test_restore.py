"""A backup restored round-trips byte for byte."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridctl.store.backup import create_backup
from hybridctl.store.restore import restore
from tests.helpers import Project

# Any valid config survives backup then restore byte for byte: comments,
# unicode, odd spacing, CRLF line ends and all.
YAML_EXTRAS = st.lists(st.text(alphabet="aZ09 #:-'\"\té😀ß中", max_size=30), max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    price=st.floats(min_value=0.001, max_value=500, allow_nan=False),
    indent=st.sampled_from([None, 1, 2, 4, "\t"]),
    comments=YAML_EXTRAS,
    crlf=st.booleans(),
)
def test_backup_then_restore_round_trips_byte_for_byte(
    project: Project, name: str, price: float, indent: int | str | None, comments: list[str], crlf: bool
) -> None:
    config = json.loads((project.configs / "model-config.json").read_text())
    config["strategy"]["name"] = name
    config["models"]["gemini-2.5-flash-lite"]["pricing"]["inputPerMillion"] = price
    config_bytes = json.dumps(config, indent=indent, ensure_ascii=False).encode()
    modes = "".join(f"# {c}\n" for c in comments) + (project.configs / "modes.yml").read_text()
    modes_bytes = (modes.replace("\n", "\r\n") if crlf else modes).encode()
    (project.configs / "model-config.json").write_bytes(config_bytes)
    (project.configs / "modes.yml").write_bytes(modes_bytes)
    workspace = project.workspace()

    made = create_backup(workspace, reason="round trip")
    restore(workspace, "1", force=True)  # away from it...
    restore(workspace, str(made.record.revision), force=True)  # ...and back

    assert (project.configs / "model-config.json").read_bytes() == config_bytes
    assert (project.configs / "modes.yml").read_bytes() == modes_bytes
