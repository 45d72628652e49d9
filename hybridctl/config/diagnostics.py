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


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
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
        # config directories
        Rule("missing-file", _E, "A config directory lacks one of the files it must hold."),
        # schema
        Rule("schema", _E, "A value does not match the JSON Schema."),
        Rule("unknown-key", _E, "A key the schema does not define (often a misspelling)."),
        Rule("missing-key", _E, "A key the schema requires is absent."),
        # modes file
        Rule("duplicate-slug", _E, "Two modes share a slug."),
        Rule("duplicate-group", _E, "A mode lists the same tool group twice."),
        Rule("invalid-file-regex", _E, "A group's fileRegex does not compile."),
        Rule("deprecated-group", _W, "The 'browser' tool group is deprecated in Roo Code."),
        # model config
        Rule("unknown-model", _E, "A role, escalation or fallback names a model not in the catalog."),
        Rule("unknown-provider", _E, "A model names a provider missing from providers."),
        Rule("unknown-criterion", _E, "A role counts an escalation criterion that is not defined."),
        Rule("fallback-cycle", _E, "Model fallbacks loop back to a model already in the chain."),
        Rule("fallback-repeat", _E, "A fallback list names the same model twice."),
        Rule("fallback-starts-with-primary", _E, "A role's fallback list starts with its primary."),
        Rule("role-without-fallback", _W, "A role's primary has no fallback: an outage fails the role."),
        Rule("escalation-without-way-back", _W, "An escalation model has no fallback path to its primary."),
        Rule("escalation-weight-range", _E, "An escalation weight or threshold is outside [0, 1]."),
        Rule("escalation-threshold-unreachable", _E, "All criteria together cannot reach the threshold."),
        Rule("escalation-no-single-criterion", _W, "No single criterion reaches the threshold alone."),
        Rule("escalation-case", _W, "An escalation case gets another decision than it expects."),
        Rule("premium-primary", _W, "A role's primary model is premium tier."),
        Rule("price-unit", _E, "A price looks per-token in a per-million field, or the reverse."),
        Rule("target-range", _E, "A target range is empty (min above max)."),
        Rule("budget-inconsistent", _W, "Budgets contradict each other (e.g. weekly > 7 x daily)."),
        Rule(
            "budget-gate-without-budget", _W, "gates.maxMonthlyBudgetShare is set but budgets.monthly is not."
        ),
        Rule("secret-literal", _E, "A literal API key or token; keys come from the environment."),
        # LiteLLM proxy config
        Rule("litellm-unknown-key", _W, "A key LiteLLM does not know (it ignores it without a word)."),
        Rule("litellm-unknown-fallback", _E, "A fallback names no model_name in model_list."),
        Rule("litellm-conflicting-entries", _W, "Entries share a model_name but differ in model or price."),
        # across files
        Rule("mode-without-role", _E, "A mode in the modes file has no role in model-config.json."),
        Rule("role-without-mode", _E, "A role in model-config.json has no mode in the modes file."),
        Rule("instruction-drift", _W, "Instructions name a model the role is not configured with."),
    )
}


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
