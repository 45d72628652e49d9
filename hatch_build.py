"""Build hook: compile hybridctl's reader for usage logs (hybridctl/usage/_scanner.c).

The compiled reader is optional. Without a C compiler the build still
succeeds, and reports fall back to the msgspec reader (slower on big logs,
same figures).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "hybridctl.usage._scanner"
SOURCE = "hybridctl/usage/_scanner.c"


def compile_in_place(root: Path) -> Path:
    """Compile the extension next to its source; returns the built file."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    extension = Extension(MODULE, [SOURCE])  # with the flags the interpreter was built with
    distribution = Distribution({"name": "hybridctl", "ext_modules": [extension]})
    distribution.script_name = "hatch_build.py"
    command = build_ext(distribution)
    command.inplace = True
    with tempfile.TemporaryDirectory(prefix="hybridctl-build-") as temp:
        command.build_temp = temp
        here = Path.cwd()
        os.chdir(root)
        try:
            command.ensure_finalized()
            command.run()
        finally:
            os.chdir(here)
    return root / str(command.get_ext_filename(MODULE))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        try:
            built = compile_in_place(Path(self.root))
        except Exception as exc:  # any compiler failure: a working, slower install
            self.app.display_warning(
                f"hybridctl: the compiled usage reader was not built ({exc}); reports use the msgspec reader"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports it from the source tree
            build_data["force_include"][str(built)] = str(built.relative_to(self.root))
