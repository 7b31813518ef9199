"""The results room: the study folder (its only writer), the trial index, export."""

from tuner_cli.results.store import StoreError, StudyStore, atomic_write_text
from tuner_cli.results.trial_index import load_index, read_record

__all__ = ["StoreError", "StudyStore", "atomic_write_text", "load_index", "read_record"]
