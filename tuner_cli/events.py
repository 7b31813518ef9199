"""What a search reports as it goes, so the loop never talks to a terminal itself."""

from __future__ import annotations

from tuner_cli.trial import TrialRecord


class SearchEvents:
    """What a search reports as it goes; override what you display. Every method is optional."""

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None: ...

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None: ...

    def epoch_ended(
        self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]
    ) -> None: ...

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None: ...

    def warning(self, message: str) -> None: ...
