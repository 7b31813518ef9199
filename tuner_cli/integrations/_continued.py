"""What a tracker already holds of a continued trial.

Hyperband, BOHB and ASHA train a promoted trial further under the same id, and each run ends
in ``trial_finished`` with the whole history so far: a tracker that logged every row each time
repeated the earlier runs' epochs (steps 1, 1, 2, 1, 2, 4 in TensorBoard; an MLflow run per
rung). The record's rungs say how far the earlier runs went, so the trackers need no state of
their own and a resumed search continues the same runs.
"""

from __future__ import annotations

from typing import Any

from tuner_cli.trial import TrialRecord, TrialStatus


def epochs_before_this_run(record: TrialRecord) -> int:
    """The epochs the trial's earlier runs trained: 0 for a trial's first run. A run that
    finished added a rung of its own (the last); a failed one added none."""
    rungs = record.extra.get("rungs") or []
    earlier = rungs if record.status is TrialStatus.FAILED else rungs[:-1]
    return int(earlier[-1]["epochs"]) if earlier else 0


def rows_after(record: TrialRecord, epochs: int) -> list[tuple[int, dict[str, Any]]]:
    """``(epoch, row)`` for each history row past ``epochs``."""
    numbered = [
        (int(row.get("epoch", step)), row) for step, row in enumerate(record.history, start=1)
    ]
    return [(epoch, row) for epoch, row in numbered if epoch > epochs]


def measured_once(record: TrialRecord) -> dict[str, float]:
    """The trial's numeric metrics no epoch's row has (a multi-objective study's ``params``):
    logged at its last epoch, or a tracker would show one side of the trade-off only."""
    in_rows = {name for row in record.history for name in row}
    return {
        name: float(value)
        for name, value in (record.metrics or {}).items()
        if name not in in_rows and isinstance(value, int | float) and not isinstance(value, bool)
    }
