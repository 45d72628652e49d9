"""Semantic rules: what the schema cannot say, within a file and across the
two files. One module per domain; each rule declares, where it is defined,
the ids it reports and their severity (``registry.register``).

Importing this package registers every rule.
"""

from __future__ import annotations

from hybridctl.config.diagnostics import RULES as RULES  # complete once the modules below are imported
from hybridctl.config.rules import (  # noqa: F401 - imported to register their rules
    cross,
    escalation,
    fallbacks,
    judgement,
    litellm,
    models,
    modes,
    secrets,
    targets,
)
from hybridctl.config.rules.registry import ConfigSet as ConfigSet
from hybridctl.config.rules.registry import run_rules as run_rules
