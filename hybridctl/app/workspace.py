"""The workspace a command runs in: the setup (configs, store, lock) plus
where each transition is delivered and announced, and where a step is
measured. Built from settings; checked before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hybridctl.analysis.source import Measuring, MetricsSource
from hybridctl.remote.http import DEFAULT_TOKEN_ENV, token_from
from hybridctl.remote.notify import Hook
from hybridctl.store.setup import Setup

if TYPE_CHECKING:
    from hybridctl.app.settings import Settings


class Remote(NamedTuple):
    """The applications a transition reaches, and who hears of it."""

    targets: tuple[str, ...] = ()
    token_env: str = DEFAULT_TOKEN_ENV
    ca_bundle: Path | None = None
    notify: tuple[Hook, ...] = ()

    @property
    def announcers(self) -> tuple[Hook, ...]:
        """The hooks transitions are announced to: those of no approval team."""
        return tuple(hook for hook in self.notify if hook.team is None)

    def team_hooks(self, team: str) -> tuple[Hook, ...]:
        """The hooks that alert an approval team of escalation requests."""
        return tuple(hook for hook in self.notify if hook.team == team)


@dataclass(frozen=True)
class Workspace(Setup):
    remote: Remote = field(default_factory=Remote)  # where transitions are delivered and announced
    metrics: MetricsSource | None = None  # where rollout reconcile measures a step
    usage: tuple[Path, ...] = ()  # usage files from settings (gates, status, the usage provider)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        config_dir: Path | None = None,
        store: Path | None = None,
        lock_timeout: float | None = None,
    ) -> Workspace:
        made = cls(
            config_dir=config_dir or settings.config_dir,
            store_path=store or settings.store,
            lock_timeout=settings.lock_timeout if lock_timeout is None else lock_timeout,
            actor_setting=settings.actor,
            schema_dir=settings.schema_dir,
            store_remote=settings.store_remote,
            remote=Remote(settings.targets, settings.token_env, settings.ca_bundle, settings.notify),
            metrics=settings.metrics,
            usage=settings.usage,
        )
        made.check_credentials()
        return made

    @property
    def measuring(self) -> Measuring:
        """What a measurement of a step may read."""
        return Measuring(self.metrics, self.usage, self.remote.ca_bundle)

    def check_credentials(self) -> None:
        """Refuse, before anything runs or is recorded, a token or webhook URL in
        the environment that could not be used: exit 2, naming its variable."""
        if self.remote.targets:
            token_from(self.remote.token_env)
        if self.metrics is not None and self.metrics.url is not None:
            token_from(self.metrics.token_env)
        for hook in self.remote.notify:
            hook.check()
