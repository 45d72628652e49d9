"""hybridctl serve: push reaches the command-line endpoint; it refuses to start
without a token unless told, and a port in use is a clear error."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.helpers import Project, RunFn, clean_env, hybridctl_executable


def test_push_to_the_command_line_endpoint(cli: RunFn, project: Project, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [hybridctl_executable(), "serve", "--port", "0", "--dir", str(tmp_path / "app")],
        env=clean_env({"HYBRIDCTL_TARGET_TOKEN": "shared-token"}),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        url = line.split("on ")[1].split(" ")[0] + "bundle"
        (project.root / "hybridctl.toml").write_text(f'targets = ["{url}"]\n')

        run = cli("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": "shared-token"})
        status = cli(
            "status", "--remote", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": "shared-token"}
        )

        assert run.exit_code == 0, run.stdout
        assert status.exit_code == 0 and status.json()["remote"]["counts"]["ok"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_refuses_to_start_without_a_token_unless_told(hybridctl: RunFn, tmp_path: Path) -> None:
    refused = hybridctl("serve", "--port", "0", "--dir", str(tmp_path / "app"))

    assert refused.exit_code == 2
    assert "refusing to serve without a token" in refused.stderr and "--no-auth" in refused.stderr
    assert not (tmp_path / "app").exists()


def test_a_port_in_use_is_a_clear_error(hybridctl: RunFn, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        run = hybridctl(
            "serve",
            "--port",
            port,
            "--dir",
            str(tmp_path / "app"),
            env={"HYBRIDCTL_TARGET_TOKEN": "shared-token"},
        )

    assert run.exit_code == 2 and "Traceback" not in run.stderr
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in run.stderr
