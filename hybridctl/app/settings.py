"""Settings: ``hybridctl.toml`` or ``[tool.hybridctl]`` in ``pyproject.toml``, then
``HYBRIDCTL_*`` environment variables, then command-line flags (highest).

The setup is found by walking up from the working directory, the way git
finds its repository: the nearest directory with a settings file, or with a
hybridctl store (``backups/``) or config directory (``configs/``) in it.
Relative paths in a settings file are relative to the file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.analysis.providers.prometheus import DEFAULT_QUERIES
from hybridctl.analysis.source import DEFAULT_METRICS_TOKEN_ENV, MetricsSource
from hybridctl.config.document import DEFAULT_MAX_FILE_BYTES
from hybridctl.config.snapshot import MODEL_CONFIG_NAMES
from hybridctl.errors import UsageError
from hybridctl.remote.notify import Hook
from hybridctl.text import did_you_mean
from hybridctl.urls import git_remote, http_url

SETTINGS_FILE = "hybridctl.toml"


class Settings(NamedTuple):
    root: Path  # directory relative paths are resolved against
    file: Path | None  # the settings file in effect, if any
    config_dir: Path
    store: Path
    max_file_size: int = DEFAULT_MAX_FILE_BYTES
    ignore: tuple[str, ...] = ()
    lock_timeout: float = 10.0
    actor: str | None = None
    usage: tuple[Path, ...] = ()  # usage event files read by gates, status and reports
    cache_dir: Path | None = None  # where reports keep their per-file cubes; None: the user cache
    schema_dir: Path | None = None  # the team's own schemas (extending the shipped ones)
    targets: tuple[str, ...] = ()  # applications' management endpoints each transition reaches
    token_env: str = "HYBRIDCTL_TARGET_TOKEN"  # the environment variable holding their bearer token
    ca_bundle: Path | None = None  # a CA (PEM) to trust beside the system's, for targets and hooks
    store_remote: str | None = None  # a git remote the team shares the store through
    notify: tuple[Hook, ...] = ()  # [[notify]] hooks every transition posts an event to
    metrics: MetricsSource | None = None  # [metrics]: where rollout reconcile measures a step


# key in the file -> (environment variable, parser)
KEYS: dict[str, tuple[str, str]] = {
    "config-dir": ("HYBRIDCTL_CONFIG_DIR", "path"),
    "store": ("HYBRIDCTL_STORE", "path"),
    "max-file-size": ("HYBRIDCTL_MAX_FILE_SIZE", "int"),
    "ignore": ("HYBRIDCTL_IGNORE", "list"),
    "lock-timeout": ("HYBRIDCTL_LOCK_TIMEOUT", "float"),
    "actor": ("HYBRIDCTL_ACTOR", "str"),
    "usage": ("HYBRIDCTL_USAGE", "paths"),
    "cache-dir": ("HYBRIDCTL_CACHE_DIR", "path"),
    "schema-dir": ("HYBRIDCTL_SCHEMA_DIR", "path"),
    "targets": ("HYBRIDCTL_TARGETS", "list"),
    "token-env": ("HYBRIDCTL_TOKEN_ENV", "str"),
    "ca-bundle": ("HYBRIDCTL_CA_BUNDLE", "path"),
    "store-remote": ("HYBRIDCTL_STORE_REMOTE", "str"),
    "notify": ("", "hooks"),  # tables in the file only: a URL, and a header and token-env
    "metrics": ("", "metrics"),  # a table in the file only: provider, url, token-env, queries
}


def _is_setup(directory: Path) -> bool:
    """A directory hybridctl init made (or one laid out like it)."""

    return (directory / "backups" / ".hybridctl-store").is_file() or any(
        (directory / "configs" / name).is_file() for name in MODEL_CONFIG_NAMES
    )


def find_setup(start: Path) -> tuple[Path, Path | None, dict[str, Any]]:
    """The setup's root, its settings file (if any) and that file's table."""
    for directory in (start, *start.parents):
        found = _settings_in(directory)
        if found is not None:
            return directory, found[0], found[1]
        if _is_setup(directory):
            return directory, None, {}
    return start, None, {}


def _settings_in(directory: Path) -> tuple[Path, dict[str, Any]] | None:
    candidate = directory / SETTINGS_FILE
    if candidate.is_file():
        return candidate, _read_toml(candidate)
    pyproject = directory / "pyproject.toml"
    # Most pyproject files have no hybridctl table: skip parsing those.
    if pyproject.is_file() and "tool.hybridctl" in pyproject.read_text(encoding="utf-8", errors="replace"):
        table = _read_toml(pyproject).get("tool", {}).get("hybridctl")
        if table is not None:
            return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib  # ~4 ms, only when hybridctl.toml or a pyproject.toml is found
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: {exc}", hint="fix the settings file's TOML syntax") from None


def _parse(key: str, kind: str, value: Any, origin: str, root: Path) -> Any:
    try:
        if kind == "path":
            path = Path(str(value)).expanduser()
            return path if path.is_absolute() else root / path
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "hooks":
            return tuple(_hook(entry, origin) for entry in value)
        if kind == "metrics":
            return _metrics(value, origin)
        if kind in ("list", "paths"):
            items = value.split(",") if isinstance(value, str) else list(value)
            names = tuple(str(i).strip() for i in items if str(i).strip())
            if kind == "paths":
                return tuple(p if p.is_absolute() else root / p for p in map(Path, names))
            return names
        return str(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"{origin}: '{key}' must be {'a number' if kind in ('int', 'float') else kind}, got {value!r}"
        ) from None


def _hook(entry: Any, origin: str) -> Hook:
    way = (
        "a [[notify]] takes url (or url-env, the variable holding it), header, token-env, and team "
        "(an approval team it alerts instead of announcing transitions)"
    )
    if not isinstance(entry, dict):
        raise UsageError(f"{origin}: each [[notify]] must be a table", hint=way)
    unknown = set(entry) - {"url", "url-env", "header", "token-env", "team"}
    if unknown:
        raise UsageError(f"{origin}: [[notify]] has unknown key(s) {', '.join(sorted(unknown))}", hint=way)
    url, url_env = entry.get("url"), entry.get("url-env")
    if (url is None) == (url_env is None) or not isinstance(url or url_env, str):
        raise UsageError(f"{origin}: each [[notify]] needs one of url or url-env", hint=way)
    if isinstance(url, str):
        http_url(url, f"{origin}: [[notify]] url")
    team = entry.get("team")
    if team is not None and team not in ("primary", "secondary"):
        raise UsageError(f"{origin}: [[notify]] team must be primary or secondary, got {team!r}", hint=way)
    return Hook(
        url or "",
        str(entry.get("header", "Authorization")),
        entry.get("token-env"),
        url_env=url_env,
        team=team,
    )


def _metrics(table: Any, origin: str) -> MetricsSource:
    way = (
        'a [metrics] table takes provider ("prometheus", "usage" or "sql"), url, token-env '
        "and [metrics.queries]"
    )
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: metrics must be a table", hint=way)
    unknown = set(table) - {"provider", "url", "token-env", "queries"}
    if unknown:
        raise UsageError(f"{origin}: [metrics] has unknown key(s) {', '.join(sorted(unknown))}", hint=way)
    provider = table.get("provider", "prometheus")
    if provider not in ("prometheus", "usage", "sql"):
        raise UsageError(
            f"{origin}: [metrics] provider must be prometheus, usage or sql, got {provider!r}", hint=way
        )
    url = table.get("url")
    if provider in ("prometheus", "sql") and not isinstance(url, str):
        example = "http://prometheus:9090" if provider == "prometheus" else "postgresql://reader@db/litellm"
        raise UsageError(f"{origin}: [metrics] provider {provider} needs a url", hint=f'url = "{example}"')
    if provider == "sql" and isinstance(url, str):
        from hybridctl.urls import hold_url_secrets

        hold_url_secrets(url)  # a database URL (or env:VAR, or a glob): read by its engine, never shown
    elif url is not None:
        if not isinstance(url, str):
            raise UsageError(f"{origin}: [metrics] url must be a string", hint=way)
        http_url(url, f"{origin}: [metrics] url")
    queries = table.get("queries", {})
    if not isinstance(queries, dict) or not all(isinstance(v, str) for v in queries.values()):
        raise UsageError(f"{origin}: [metrics.queries] maps names to PromQL strings", hint=way)
    unknown = set(queries) - set(DEFAULT_QUERIES)
    if unknown:
        raise UsageError(
            f"{origin}: [metrics.queries] has unknown name(s) {', '.join(sorted(unknown))}",
            hint="known: " + ", ".join(DEFAULT_QUERIES),
        )
    return MetricsSource(
        provider,
        url if isinstance(url, str) else None,
        {**DEFAULT_QUERIES, **queries},
        str(table.get("token-env", DEFAULT_METRICS_TOKEN_ENV)),
    )


def load_settings(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    root, file, table = find_setup(cwd)
    settings = Settings(root=root, file=file, config_dir=root / "configs", store=root / "backups")
    values: dict[str, Any] = {}
    if file is not None:
        path = file
        for key, value in table.items():
            if key not in KEYS:
                raise UsageError(
                    f"{path}: unknown setting '{key}'",
                    hint=did_you_mean(key, list(KEYS)) or "known settings: " + ", ".join(KEYS),
                )
            values[key] = _parse(key, KEYS[key][1], value, str(path), root)
    origins: dict[str, str] = {key: str(file) for key in values}
    for key, (variable, kind) in KEYS.items():
        if variable and environ.get(variable):
            values[key] = _parse(key, kind, environ[variable], variable, cwd)
            origins[key] = variable
    if "targets" in values:
        values["targets"] = tuple(
            http_url(url, f"{origins['targets']}: targets") for url in values["targets"]
        )
    if "store-remote" in values:
        values["store-remote"] = git_remote(
            values["store-remote"], f"{origins['store-remote']}: store-remote"
        )
    return settings._replace(**{key.replace("-", "_"): value for key, value in values.items()})
