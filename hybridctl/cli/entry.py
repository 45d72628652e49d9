"""The console script: answers ``--version`` before paying for Typer (about
90 ms to import), then hands everything else to the app in ``main``."""

from __future__ import annotations

import sys

from hybridctl import __version__


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from hybridctl.usage.reader import reader_note

        sys.stdout.write(f"hybridctl {__version__} ({reader_note()})\n")
        return
    from hybridctl.cli.main import main as run  # start-up: Typer and the commands, only now

    run(args)
