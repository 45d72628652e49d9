"""The bucketing hash a rollout records when it is staged, and keeps for its life."""

from __future__ import annotations

import json

from tests.helpers import Project, RunFn


def test_a_new_rollout_records_murmur3_and_keeps_it_for_its_life(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda c: c["roles"]["critic"].update(primary="claude-4.1-opus"))
    assert cli("stage", "-r", "critic on opus", "--no-push", cwd=project.root).exit_code == 0
    staged = json.loads(cli("render", cwd=project.root).stdout)
    assert cli("promote", "--no-push", cwd=project.root).exit_code == 0
    at_10 = json.loads(cli("render", cwd=project.root).stdout)

    assert staged["version"] == 3
    assert staged["bucketing"]["hash"] == at_10["bucketing"]["hash"] == "murmur3"
    state = json.loads((project.configs / "rollout.json").read_text())
    assert state["bucketing"] == "murmur3"


def test_a_rollout_staged_before_murmur3_keeps_sha256(cli: RunFn, project: Project) -> None:
    from hybridctl.rollout.state import RolloutState

    project.edit_config(lambda c: c["roles"]["critic"].update(primary="claude-4.1-opus"))
    assert cli("stage", "-r", "critic on opus", "--no-push", cwd=project.root).exit_code == 0
    recorded = json.loads((project.configs / "rollout.json").read_text())
    del recorded["bucketing"]  # as an older hybridctl wrote it

    assert RolloutState.from_dict(recorded).bucketing == "sha256"
