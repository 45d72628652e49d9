"""route explain and route simulate on the command line: the current state or a
bundle file, and a bundle split by an unknown hash refused without a traceback."""

from __future__ import annotations

import json

from tests.helpers import Project, RunFn
from tests.routing.helpers import bundle, documented_bucket


def test_route_commands_read_the_current_state_or_a_bundle_file(cli: RunFn, project: Project) -> None:
    path = project.root / "bundle.json"
    path.write_text(json.dumps(bundle(50)))

    run = cli(
        "route",
        "explain",
        "--role",
        "critic",
        "--user",
        "u-3",
        "--bundle",
        str(path),
        "--json",
        cwd=project.root,
    )
    state = cli("route", "simulate", "--users", "500", "--json", cwd=project.root)

    assert run.exit_code == 0
    assert run.json()["variant"] == ("candidate" if documented_bucket("u-3") <= 50 else "stable")
    assert state.exit_code == 0 and state.json()["observed_candidate_share"] == 0.0  # nothing in flight
    unknown = cli("route", "explain", "--role", "nobody", "--user", "u", cwd=project.root)
    assert unknown.exit_code == 2 and "role 'nobody'" in unknown.stderr
    assert "roles: architect, critic, implementer, integrator, orchestrator" in unknown.stderr
    misspelt = cli("route", "explain", "--role", "architekt", "--user", "u", cwd=project.root)
    assert misspelt.exit_code == 2 and "did you mean 'architect'?" in misspelt.stderr


def test_a_bundle_split_by_an_unknown_hash_is_refused_without_a_traceback(
    cli: RunFn, project: Project
) -> None:
    path = project.root / "bundle.json"
    path.write_text(json.dumps(bundle(50, bucketing={"hash": "xxh3"})))

    for command in (["explain", "--role", "critic", "--user", "u-3"], ["simulate", "--users", "10"]):
        run = cli("route", *command, "--bundle", str(path), cwd=project.root)
        assert run.exit_code == 2
        assert "hash 'xxh3'" in run.stderr and "upgrade hybridctl" in run.stderr
        assert "Traceback" not in run.stderr + run.stdout
