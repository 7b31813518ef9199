"""The search room: the driver loop, opening or resuming a study, its lock and Ctrl-C, and
``run_search``, the one call the command line, notebooks and tests share."""

from tuner_cli.search.lock import StudyLock, StudyLockedError
from tuner_cli.search.run import SearchInterrupted, SearchResult, run_search
from tuner_cli.search.runner import SearchRunner, SearchSummary
from tuner_cli.search.signals import GracefulInterrupts
from tuner_cli.search.study import check_resumable, claim_study, open_study, study_seed

__all__ = [
    "GracefulInterrupts",
    "SearchInterrupted",
    "SearchResult",
    "SearchRunner",
    "SearchSummary",
    "StudyLock",
    "StudyLockedError",
    "check_resumable",
    "claim_study",
    "open_study",
    "run_search",
    "study_seed",
]
