"""Multi-fidelity benchmark: best validation accuracy against total epochs trained.

kt-run's Hyperband (and, with ``--strategies``, BOHB and ASHA) against KerasTuner's
Hyperband with the same ``max_epochs``, ``factor`` and number of Hyperband iterations
(``--iterations``: KerasTuner's ``hyperband_iterations``, kt-run's
``strategy.hyperband_iterations``), on scikit-learn's digits, the same MLP space, the same
train/validation split and batch size.
Every epoch either tuner trains is counted as it ends (a Keras callback for KerasTuner, the
search's progress events for kt-run), so the curve is "best val_accuracy seen after N epochs".

    python benchmarks/multifidelity.py [--seeds 0 1 2] [--max-epochs 9] [--factor 3]
        [--iterations 1] [--strategies hyperband bohb asha] [--out FILE]

Needs the ``bench`` extra (keras-tuner). Writes benchmarks/results/multifidelity.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = """
name: mf-{seed}
seed: {seed}
data: {{source: sklearn, name: digits, validation_split: 0.2, scale: standard}}
search_space:
  units: {{type: int, min: 32, max: 256, step: 32}}
  dropout: {{type: float, min: 0.0, max: 0.5}}
  learning_rate: {{type: float, min: 1.0e-4, max: 1.0e-1, sampling: log}}
model:
  layers:
    - Dense: {{units: $units, activation: relu}}
    - Dropout: {{rate: $dropout}}
    - Dense: {{units: 10, activation: softmax}}
  optimizer: {{name: adam, learning_rate: $learning_rate}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {{epochs: {max_epochs}, batch_size: {batch}}}
models: none
strategy:
  name: {strategy}
  objective: val_accuracy
  max_epochs: {max_epochs}
  factor: {factor}
  hyperband_iterations: {iterations}
"""
BATCH = 64
TITLES = {"hyperband": "Hyperband", "bohb": "BOHB", "asha": "ASHA"}
THRESHOLDS = (0.95, 0.97)
CHECKPOINTS = (20, 40, 60)
"""Epochs per Hyperband iteration at which the best accuracy so far is reported."""


def run_ours(
    seed: int, max_epochs: int, factor: int, iterations: int, folder: Path, strategy: str
) -> dict:
    from tuner_cli.config import load_config
    from tuner_cli.executors import InProcessExecutor
    from tuner_cli.search.runner import SearchEvents, SearchRunner
    from tuner_cli.search.study import open_study
    from tuner_cli.strategies import make_strategy

    path = folder / f"ours-{strategy}-{seed}.yaml"
    path.write_text(
        CONFIG.format(
            seed=seed,
            max_epochs=max_epochs,
            factor=factor,
            iterations=iterations,
            batch=BATCH,
            strategy=strategy,
        )
    )
    study = load_config(path)
    store, info = open_study(study, folder / "results", overwrite=True)
    settings = study.config.strategy
    strategy = make_strategy(strategy, study.space, study.objective, info["seed"], settings)
    curve: list[float] = []

    def on_progress(trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> bool:
        curve.append(logs["val_accuracy"])
        return False

    start = time.perf_counter()
    runner = SearchRunner(
        study,
        store,
        strategy,
        InProcessExecutor(study, on_progress),
        SearchEvents(),
        strategy.default_max_trials(),
        seed=info["seed"],
    )
    summary = runner.run()
    return {"curve": curve, "configs": len(summary.trials), "seconds": time.perf_counter() - start}


def run_kerastuner(seed: int, max_epochs: int, factor: int, iterations: int, folder: Path) -> dict:
    import keras
    import keras_tuner

    from tuner_cli.config import load_config
    from tuner_cli.training.data import load_dataset

    path = folder / f"kt-{seed}.yaml"
    path.write_text(
        CONFIG.format(
            seed=seed,
            max_epochs=max_epochs,
            factor=factor,
            iterations=iterations,
            batch=BATCH,
            strategy="hyperband",
        )
    )
    study = load_config(path)
    # the inputs kt-run's network trains on: scaled by ``data.scale`` on the training part
    data = load_dataset(study, study.config.seed)
    curve: list[float] = []

    class CountEpochs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            curve.append(float(logs["val_accuracy"]))

    def build(hp):
        model = keras.Sequential(
            [
                keras.Input(data.network_shape),
                keras.layers.Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
                keras.layers.Dropout(hp.Float("dropout", 0.0, 0.5)),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        rate = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
        model.compile(
            optimizer=keras.optimizers.Adam(rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    tuner = keras_tuner.Hyperband(
        build,
        objective="val_accuracy",
        max_epochs=max_epochs,
        factor=factor,
        hyperband_iterations=iterations,
        seed=seed,
        directory=str(folder / "kt"),
        project_name=f"seed{seed}",
        overwrite=True,
    )
    start = time.perf_counter()
    tuner.search(
        data.train_inputs,
        data.y_train,
        validation_data=(data.val_inputs, data.y_val),
        batch_size=BATCH,
        callbacks=[CountEpochs()],
        verbose=0,
    )
    configs = {
        tuple(sorted((k, v) for k, v in t.hyperparameters.values.items() if "tuner/" not in k))
        for t in tuner.oracle.trials.values()
    }
    return {
        "curve": curve,
        "configs": len(configs),
        "trials": len(tuner.oracle.trials),
        "seconds": time.perf_counter() - start,
    }


def best_after(curve: list[float], epochs: int) -> float:
    return max(curve[:epochs], default=float("nan"))


def epochs_to(curve: list[float], threshold: float) -> int | None:
    for i, value in enumerate(curve, start=1):
        if value >= threshold:
            return i
    return None


def median_or_dash(values: list) -> str:
    present = [v for v in values if v is not None]
    if len(present) < len(values):
        return (
            f"{statistics.median(present):g} ({len(values) - len(present)} never)"
            if present
            else "never"
        )
    return f"{statistics.median(present):g}"


def iterations_text(iterations: int) -> str:
    return "one Hyperband iteration" if iterations == 1 else f"{iterations} Hyperband iterations"


def report(results: dict[str, list[dict]], args: argparse.Namespace) -> str:
    checkpoints = [c * args.iterations for c in CHECKPOINTS]
    lines = [
        f"# Multi-fidelity: {', '.join(results)} on digits",
        "",
        f"digits (1438 train / 359 validation), MLP: units 32-256, dropout 0-0.5, Adam learning "
        f"rate 1e-4..1e-1 (log); batch {BATCH}; max_epochs {args.max_epochs}, factor "
        f"{args.factor}, {iterations_text(args.iterations)}; "
        f"seeds {', '.join(map(str, args.seeds))}. "
        "An epoch is counted when it ends, whichever trial trains it. Medians over seeds.",
        "Wall seconds include model building and tracing, on a shared 2-core machine: indicative.",
        "",
        "| tuner | epochs trained | configurations | "
        + " | ".join(f"best val_acc after {c} epochs" for c in checkpoints)
        + " | best val_acc at the end | "
        + " | ".join(f"epochs to reach {t}" for t in THRESHOLDS)
        + " | wall s |",
        "|---" * (6 + len(checkpoints) + len(THRESHOLDS) - 1) + "|",
    ]
    for name, runs in results.items():
        row = [
            name,
            median_or_dash([len(r["curve"]) for r in runs]),
            median_or_dash([r["configs"] for r in runs]),
            *[
                f"{statistics.median(best_after(r['curve'], c) for r in runs):.4f}"
                for c in checkpoints
            ],
            f"{statistics.median(max(r['curve']) for r in runs):.4f}",
            *[median_or_dash([epochs_to(r["curve"], t) for r in runs]) for t in THRESHOLDS],
            f"{statistics.median(r['seconds'] for r in runs):.0f}",
        ]
        lines.append("| " + " | ".join(row) + " |")
    if "kt-run BOHB" in results:
        ratios = []
        for bohb, kt in zip(results["kt-run BOHB"], results["KerasTuner Hyperband"], strict=True):
            reached = epochs_to(bohb["curve"], max(kt["curve"]))
            ratios.append(float("inf") if reached is None else reached / len(kt["curve"]))
        median = statistics.median(ratios)
        lines += [
            "",
            "BOHB's epochs to reach KerasTuner Hyperband's final best accuracy, as a share of "
            f"KerasTuner's epochs, per seed: {', '.join(f'{r:.0%}' for r in ratios)}; median "
            f"{median:.0%} (target at most 60%: {'met' if median <= 0.6 else 'not met'}).",
        ]
    lines += ["", "Per seed (epochs trained; best val_acc at the end; epochs to reach 0.97):", ""]
    for name, runs in results.items():
        cells = [
            f"seed {s}: {len(r['curve'])}; {max(r['curve']):.4f}; {epochs_to(r['curve'], 0.97)}"
            for s, r in zip(args.seeds, runs, strict=True)
        ]
        lines.append(f"- {name}: " + " | ".join(cells))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-epochs", type=int, default=9)
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument(
        "--iterations", type=int, default=1, help="Hyperband iterations, for every tuner alike"
    )
    parser.add_argument("--strategies", nargs="+", default=["hyperband"], choices=list(TITLES))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/multifidelity.md")
    args = parser.parse_args()
    from tuner_cli.training.keras_import import import_keras

    import_keras()
    tuners = {f"kt-run {TITLES[s]}": partial(run_ours, strategy=s) for s in args.strategies}
    tuners["KerasTuner Hyperband"] = run_kerastuner
    results: dict[str, list[dict]] = {name: [] for name in tuners}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            folder = Path(tmp) / str(seed)
            folder.mkdir()
            for name, run in tuners.items():
                result = run(seed, args.max_epochs, args.factor, args.iterations, folder)
                results[name].append(result)
                print(
                    f"seed {seed} {name}: {len(result['curve'])} epochs, "
                    f"best {max(result['curve']):.4f}, {result['seconds']:.0f} s",
                    flush=True,
                )
    text = report(results, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
