"""How far a multi-fidelity benchmark function's low budgets mislead: the Spearman correlation
of the values at each rung's budget with the full-budget values, over random configurations of
the function's search space (sampled as a random search would), and among the best tenth of
them at the full budget. These are the numbers quoted in each function's docstring.

    python benchmarks/fidelity_correlation.py hartmann6_fidelity branin_fidelity
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import spearmanr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "functions"))

from tuner_cli import load_config_dict  # noqa: E402


def value(module, hp: dict, budget: int | None) -> float:
    result = module.objective(hp, budget)
    return float(result["value"] if isinstance(result, dict) else result)


def correlations(name: str, points: int, seed: int) -> list[tuple[int, float, float]]:
    """(budget, Spearman over all points, Spearman over the best tenth) per rung below the
    full budget (factor 3 from 1)."""
    module = importlib.import_module(name)
    raw = yaml.safe_load((HERE / "functions" / f"{name}.yaml").read_text())
    space = load_config_dict(raw, HERE / "functions").space
    rng = np.random.default_rng(seed)
    configs = [space.sample(rng) for _ in range(points)]
    full = np.array([value(module, c, module.MAX_BUDGET) for c in configs])
    best = np.argsort(full)[: points // 10]
    rows = []
    budget = 1
    while budget < module.MAX_BUDGET:
        low = np.array([value(module, c, budget) for c in configs])
        rows.append(
            (
                budget,
                float(spearmanr(low, full).statistic),
                float(spearmanr(low[best], full[best]).statistic),
            )
        )
        budget *= 3
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("functions", nargs="+")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.functions:
        cells = ", ".join(
            f"budget {b}: {all_:.2f} (best tenth {top:.2f})"
            for b, all_, top in correlations(name, args.points, args.seed)
        )
        print(f"{name}: {cells}")


if __name__ == "__main__":
    main()
