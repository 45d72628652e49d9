"""How often the promotion decisions are wrong, on fixed seeds: the seeded
simulation of benchmarks/decisions.py, judged by hybridctl's own gates and
triggers with the shipped defaults."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def decisions() -> ModuleType:
    spec = importlib.util.spec_from_file_location("decisions", ROOT / "benchmarks" / "decisions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["decisions"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_identical_variants_measured_20_times_rarely_end_in_a_failure(
    decisions: ModuleType, seed: int
) -> None:
    got = decisions.simulate(decisions.hybridctl_verdict, 0.01, 0.01, 20, 100, 1000, seed)

    assert got.failed <= 0.05
    assert got.went >= 0.9  # and they do get promoted once 2,000 requests show it


def test_identical_variants_near_the_limit_rarely_fail(decisions: ModuleType) -> None:
    got = decisions.simulate(decisions.hybridctl_verdict, 0.04, 0.04, 20, 100, 1000, 1)

    assert got.failed <= 0.05


def test_the_thresholds_before_failed_identical_variants(decisions: ModuleType) -> None:
    got = decisions.simulate(decisions.threshold_verdict, 0.01, 0.01, 20, 100, 1000, 1)

    assert got.failed > 0.9  # availability read as 1 - error rate: 99% < 99.5% for both variants


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_candidate_three_points_worse_is_caught_by_2000_requests(decisions: ModuleType, seed: int) -> None:
    got = decisions.simulate(decisions.hybridctl_verdict, 0.01, 0.04, 20, 100, 1000, seed)

    assert got.failed >= 0.95 and got.went == 0


def test_half_a_point_at_200_requests_holds(decisions: ModuleType) -> None:
    got = decisions.simulate(decisions.hybridctl_verdict, 0.01, 0.015, 1, 200, 1000, 1)

    assert got.failed == 0 and got.held >= 0.95


def test_the_binomial_sampler_has_the_right_mean_and_variance(decisions: ModuleType) -> None:
    import random

    rng = random.Random(7)
    draws = [decisions.binomial(rng, 200, 0.03) for _ in range(20000)]
    mean = sum(draws) / len(draws)
    variance = sum((d - mean) ** 2 for d in draws) / (len(draws) - 1)

    assert mean == pytest.approx(6.0, abs=0.06)
    assert variance == pytest.approx(200 * 0.03 * 0.97, rel=0.04)


def test_the_benchmark_prints_every_scenario_for_both_judges(
    decisions: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["decisions.py", "--rollouts", "50"])

    assert decisions.main() == 0

    lines = capsys.readouterr().out.splitlines()
    assert (
        sum("hybridctl" in line for line in lines) == 4 and sum("thresholds" in line for line in lines) == 4
    )
