"""What a person sees on a narrow terminal: hybridctl run on a pseudo-terminal
60 columns wide, its bytes fed to a terminal emulator (pyte), and the screen
read back. Nothing cropped, no line of an earlier frame left behind."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
from pathlib import Path

import pyte

from tests.helpers import Project, clean_env, hybridctl_executable


def screen_of(args: list[str], cwd: Path, *, columns: int = 60, rows: int = 50) -> list[str]:
    """The screen after ``hybridctl *args`` ran on a terminal of that size."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in clean_env({"TERM": "xterm"}).items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [hybridctl_executable(), *args], cwd=cwd, stdin=terminal, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    received = b""
    while select.select([controller], [], [], 60)[0]:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        received += chunk
    process.wait(timeout=60)
    os.close(controller)
    screen = pyte.Screen(columns, rows)
    pyte.ByteStream(screen).feed(received)
    return [line.rstrip() for line in screen.display if line.strip()]


def canary(project: Project) -> None:
    project.edit_config(lambda config: config["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))
    assert (
        subprocess.run(
            [hybridctl_executable(), "stage", "-r", "critic on flash lite"],
            cwd=project.root,
            env=clean_env({"HYBRIDCTL_ACTOR": "tester"}),
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )


def test_status_watch_on_60_columns_crops_nothing_and_leaves_no_earlier_frame(project: Project) -> None:
    canary(project)

    screen = screen_of(["status", "--watch", "--count", "3", "--interval", "0.1"], project.root)

    assert sum(line.startswith("rollout: ") for line in screen) == 1  # one frame, redrawn in place
    assert sum(line.startswith("refreshed at ") for line in screen) == 1
    assert "  candidate: gemini-2.5-flash-lite" in screen
    assert "  stable:    glm-4.5 (escalates to claude-4.1-opus)" in screen
    assert all(len(line) <= 60 for line in screen)


def test_plain_status_and_a_report_fit_the_terminal_width(project: Project, tmp_path: Path) -> None:
    canary(project)
    log = tmp_path / "usage.jsonl"
    log.write_text(
        '{"time": "2026-12-01T00:00:00Z", "role": "critic", "model": "glm-4.5", '
        '"input_tokens": 100, "output_tokens": 50, "status": "ok"}\n'
    )

    status = screen_of(["status"], project.root)
    report = screen_of(["report", "usage", str(log), "--by", "role,model"], project.root)

    assert "critic" in status and "  candidate: gemini-2.5-flash-lite" in status
    assert "  model:      glm-4.5" in report and "  requests:   1" in report
    assert all(len(line) <= 60 for line in status + report)
