"""``kt-run schema`` covers the model and training keys added for real models."""

from __future__ import annotations

from tuner_cli.config.schema import config_schema


def test_the_schema_has_the_new_keys():
    schema = config_schema()
    definitions = schema["$defs"]
    training = definitions["TrainingConfig"]["properties"]
    assert training["distribution"]["enum"] == ["none", "mirrored"]
    assert "afresh for every trial" in training["callbacks"]["description"]
    model = definitions["ModelConfig"]["properties"]
    assert "MetricClass" in model["metrics"]["description"]
    assert "LossClass" in model["loss"]["description"]
    assert "HyperModel" in model["builder"]["description"]
