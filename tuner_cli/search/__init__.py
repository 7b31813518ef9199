"""The search room: the driver loop, opening or resuming a study, its lock and Ctrl-C."""

from tuner_cli.search.lock import StudyLock, StudyLockedError
from tuner_cli.search.runner import SearchRunner, SearchSummary
from tuner_cli.search.signals import GracefulInterrupts
from tuner_cli.search.study import check_resumable, claim_study, open_study

__all__ = [
    "GracefulInterrupts",
    "SearchRunner",
    "SearchSummary",
    "StudyLock",
    "StudyLockedError",
    "check_resumable",
    "claim_study",
    "open_study",
]
