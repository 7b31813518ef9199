"""The training room: what runs where trials run, and the only room that imports Keras.

Keras itself is imported inside functions, so importing this package stays cheap.
"""

from tuner_cli.training.execution import execute_trial
from tuner_cli.training.imports import load_callable
from tuner_cli.training.keras_import import import_keras
from tuner_cli.training.preflight import check_study, preflight

__all__ = ["check_study", "execute_trial", "import_keras", "load_callable", "preflight"]
