"""Which fast reader reports use: a module of its own so that ``hybridctl
--version`` can say it without importing the readers themselves."""

from __future__ import annotations

import os


def available_reader() -> str:
    """The compiled reader when it was built at install, unless
    HYBRIDCTL_READER=msgspec asks for the other; else msgspec."""
    if os.environ.get("HYBRIDCTL_READER") == "msgspec":
        return "msgspec"
    try:
        from hybridctl.usage import _scanner  # noqa: F401
    except ImportError:
        return "msgspec"
    return "compiled"


def reader_note() -> str:
    """The reader in use, as ``--version`` says it."""
    if available_reader() == "compiled":
        return "usage reader: compiled"
    if os.environ.get("HYBRIDCTL_READER") == "msgspec":
        return "usage reader: msgspec, as HYBRIDCTL_READER asks"
    return (
        "usage reader: msgspec; the compiled one was not built (no C compiler at install), "
        "so reports read big logs about 7x slower"
    )
