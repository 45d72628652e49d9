"""What a measurement is about: the step (when it began, its weight, the
weight a promotion would go to) and the two variants (their configs, and the
candidate's strategy, whose gates, triggers and budgets judge the step)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles


class Step(NamedTuple):
    started: datetime | None
    weight: int
    next_weight: int  # the weight a promotion would go to (100 at the last step)
    rollout_id: str = ""  # for queries that label series with it


class Variants(NamedTuple):
    """The two revisions a rollout compares: what each serves and prices."""

    stable: ConfigFiles
    candidate: ConfigFiles
    strategy: Strategy  # the candidate's: its gates, triggers, budgets and analysis judge the step
