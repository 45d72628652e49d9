"""Diagnostics and the catalogue of rules that produce them.

Rule ids are stable: users pass them to ``--ignore``, CI keys SARIF results on
them, and the example corpus under ``tests/corpus`` names them.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from hybridctl.text import clean


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Rule(NamedTuple):
    id: str
    severity: Severity
    summary: str


ERROR, WARNING = Severity.ERROR, Severity.WARNING
_E, _W = ERROR, WARNING  # short, for the table below

# Every rule id, with its severity and summary. Reading and schema findings
# are declared here; each semantic rule declares its own where it is defined
# (config/rules/), and importing hybridctl.config.rules completes the table.
RULES: dict[str, Rule] = {}


def declare(rule: Rule) -> Rule:
    """Add a rule id to the catalogue (once: a second declaration must agree)."""
    known = RULES.setdefault(rule.id, rule)
    if known != rule:
        raise ValueError(f"rule {rule.id} declared twice, differently")
    return rule


for _reading in (
    # reading and parsing
    Rule("file-too-large", _E, "The file is larger than the configured size limit."),
    Rule("encoding", _E, "The file is not valid UTF-8."),
    Rule("yaml-syntax", _E, "The file is not valid YAML."),
    Rule("yaml-tab", _E, "A tab is used for indentation; YAML allows only spaces."),
    Rule("yaml-multiple-documents", _E, "The file holds more than one YAML document."),
    Rule("yaml-alias-limit", _E, "Anchors and aliases expand past the node limit."),
    Rule("yaml-tag", _E, "A YAML tag hybridctl does not accept (only core tags)."),
    Rule("yaml11-boolean", _W, "yes/no/on/off: a string in YAML 1.2, a boolean in 1.1."),
    Rule("json-syntax", _E, "The file is not valid JSON."),
    Rule("nesting-too-deep", _E, "Objects or lists are nested deeper than the limit."),
    Rule("number-too-large", _E, "An integer too long to read (more than 4,300 digits)."),
    Rule("duplicate-key", _E, "A key appears twice in the same mapping or object."),
    Rule("missing-file", _E, "A config directory lacks one of the files it must hold."),
    Rule("schema", _E, "A value does not match the JSON Schema."),
    Rule("unknown-key", _E, "A key the schema does not define (often a misspelling)."),
    Rule("missing-key", _E, "A key the schema requires is absent."),
):
    declare(_reading)


class Diagnostic(NamedTuple):
    rule: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    json_path: str = "$"
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.rule)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "json_path": self.json_path,
            "hint": self.hint,
        }


def diagnostic(
    rule: str,
    message: str,
    *,
    file: str,
    line: int | None = None,
    column: int | None = None,
    json_path: str = "$",
    hint: str | None = None,
) -> Diagnostic:
    """Build a diagnostic with the rule's catalogued severity.

    Every finding is made here, so this is where its text is made safe to
    print: a secret is redacted and control characters are escaped, whatever
    the rule put into the message.
    """
    return Diagnostic(
        rule,
        RULES[rule].severity,
        clean(message),
        clean(file),
        line,
        column,
        clean(json_path),
        None if hint is None else clean(hint),
    )
