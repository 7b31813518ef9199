"""Warnings about the user's data, read on the driver before a search (and by ``validate``)
without TensorFlow: what loads but will not train as the user likely meant."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tuner_cli.training.class_folders import folder_notes
from tuner_cli.training.table import table_notes

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig


def data_notes(data: DataConfig | None, base: Path) -> list[str]:
    return [*table_notes(data, base), *folder_notes(data, base)]
