"""The config's JSON Schema, for editors: keys complete and values validate as you type.

Generated from the pydantic models that validate configs, so it cannot drift from them. The
YAML language server (VS Code's YAML extension, Neovim, Helix...) reads it through a comment on
the config's first line: ``# yaml-language-server: $schema=kt-run.schema.json``.
"""

from __future__ import annotations

from typing import Any

from tuner_cli.trial import HYPERPARAMETER_NAME

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
REFERENCE_PATTERN = rf"^\$(?:{HYPERPARAMETER_NAME.pattern})$"
"""``$`` and a hyperparameter name as the loader reads one (``$batch-size``, ``$block_1/u``)."""
REFERENCE_HELP = "a $name reference to a hyperparameter"


def config_schema() -> dict[str, Any]:
    """The schema of a config file, with a title and hints the language server shows."""
    from tuner_cli._version import __version__
    from tuner_cli.config import Config

    schema = Config.model_json_schema()
    schema = {
        "$schema": SCHEMA_DIALECT,
        "title": "kt-run config",
        "description": (
            f"A kt-run {__version__} study: data, search space, model template, training and "
            "strategy. `kt-run validate CONFIG` checks what a schema cannot (references, data)."
        ),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
    _allow_references(schema["$defs"]["TrainingConfig"]["properties"], ("epochs", "batch_size"))
    return schema


def _allow_references(properties: dict[str, Any], names: tuple[str, ...]) -> None:
    """``int | Reference`` fields take a number or ``$name``; without a pattern an editor would
    accept any string there."""
    for name in names:
        for option in properties[name].get("anyOf", []):
            if option.get("type") == "string":
                option["pattern"] = REFERENCE_PATTERN
                option["description"] = REFERENCE_HELP
