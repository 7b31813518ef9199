"""The config room: YAML (safe loader only) to typed objects, the ``$reference`` rules, the
schema. It never imports Keras, so ``validate`` and every read command stay fast."""

from tuner_cli.config.models import (
    BIG,
    FOLDER_SOURCES,
    MULTI_FIDELITY,
    AshaPruning,
    Config,
    DataConfig,
    ExecutionConfig,
    MedianPruning,
    ModelConfig,
    StrategyConfig,
    StudyConfig,
    TrainingConfig,
    load_config,
    load_config_dict,
    load_config_text,
    parse_resources,
    parse_size,
)

__all__ = [
    "BIG",
    "FOLDER_SOURCES",
    "MULTI_FIDELITY",
    "AshaPruning",
    "Config",
    "DataConfig",
    "ExecutionConfig",
    "MedianPruning",
    "ModelConfig",
    "StrategyConfig",
    "StudyConfig",
    "TrainingConfig",
    "load_config",
    "load_config_dict",
    "load_config_text",
    "parse_resources",
    "parse_size",
]
