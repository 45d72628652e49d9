"""The secret rule, for every file of every kind: no literal key, token or
password in a config; keys come from the environment."""

from __future__ import annotations

from collections.abc import Iterator

from hybridctl.config.diagnostics import ERROR, Diagnostic, Rule
from hybridctl.config.document import Document
from hybridctl.config.rules.helpers import at, locate_in_value, walk_strings
from hybridctl.config.rules.registry import DOCUMENTS, register
from hybridctl.secrets import ENV_REFERENCE, SECRET_KEY, find_secret, url_password


@register(
    DOCUMENTS,
    Rule("secret-literal", ERROR, "A literal API key or token; keys come from the environment."),
)
def secret_literal(document: Document) -> Iterator[Diagnostic]:
    hint = (
        "remove it and rotate the key; keys come from the environment "
        "(providers.<id>.apiKeyEnv; in LiteLLM, os.environ/NAME)"
    )
    for path, key, text in walk_strings(document.data):
        if key is not None and SECRET_KEY.match(key) and text and not ENV_REFERENCE.match(text):
            yield document.diag(
                "secret-literal",
                f"'{key}' holds a literal secret ({len(text)} characters, not shown)",
                path,
                hint=hint,
            )
            continue
        in_url = url_password(text)
        if in_url is not None:
            yield at(
                document,
                "secret-literal",
                "a URL with a password in it (not shown)",
                path,
                locate_in_value(document, path, in_url.group(0)),
                hint="remove the user and password from the URL; keys come from the environment "
                "(providers.<id>.apiKeyEnv)",
            )
            continue
        found = find_secret(text)
        if found:
            kind, match = found
            yield at(
                document,
                "secret-literal",
                f"literal secret ({kind}, {len(match.group(0))} characters, not shown)",
                path,
                locate_in_value(document, path, match.group(0)),
                hint=hint,
            )
