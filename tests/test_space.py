import math

import numpy as np
import pytest

from tuner_cli.errors import ConfigError
from tuner_cli.space import (
    BoolParam,
    ChoiceParam,
    FixedParam,
    FloatParam,
    IntParam,
    SearchSpace,
    config_key,
)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_int_with_step_samples_only_grid_values():
    param = IntParam(type="int", min=32, max=512, step=32)
    assert list(param.grid_values()) == list(range(32, 513, 32))
    samples = {param.sample(rng(i)) for i in range(400)}
    assert samples == set(param.grid_values())


def test_int_log_sampling_stays_in_range_and_favours_small_values():
    param = IntParam(type="int", min=1, max=1000, sampling="log")
    samples = [param.sample(rng(i)) for i in range(2000)]
    assert min(samples) >= 1 and max(samples) <= 1000
    assert np.median(samples) < 100


def test_float_log_sampling_stays_in_range_and_is_log_uniform():
    param = FloatParam(type="float", min=1e-5, max=1e-1, sampling="log")
    samples = np.array([param.sample(rng(i)) for i in range(4000)])
    assert samples.min() >= 1e-5 and samples.max() <= 1e-1
    decades = np.histogram(np.log10(samples), bins=4, range=(-5, -1))[0]
    assert decades.min() > 800


def test_reverse_log_concentrates_near_max():
    param = FloatParam(type="float", min=0.001, max=0.999, sampling="reverse_log")
    samples = np.array([param.sample(rng(i)) for i in range(2000)])
    assert samples.min() >= 0.001 and samples.max() <= 0.999
    assert np.median(samples) > 0.9


def test_float_step_snaps_to_clean_values():
    param = FloatParam(type="float", min=0.0, max=0.5, step=0.1)
    assert list(param.grid_values()) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert {param.sample(rng(i)) for i in range(300)} == set(param.grid_values())


def test_unit_encoding_round_trips():
    params = [
        IntParam(type="int", min=2, max=20, step=2),
        FloatParam(type="float", min=1e-4, max=1.0, sampling="log"),
        ChoiceParam(type="choice", values=["a", "b", "c"]),
        BoolParam(type="bool"),
    ]
    for param in params:
        for i in range(50):
            value = param.sample(rng(i))
            again = param.from_unit(param.to_unit(value))
            assert again == pytest.approx(value) if isinstance(value, float) else again == value


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"type": "int", "min": 5, "max": 1}, "min (5) must be <= max (1)"),
        ({"type": "float", "min": 0.0, "max": 1.0, "sampling": "log"}, "needs min > 0"),
        ({"type": "int", "min": 0, "max": 10, "step": 0}, "step must be > 0"),
        ({"type": "int", "min": 0, "max": 10, "step": 5, "default": 3}, "default 3"),
    ],
)
def test_invalid_ranges_are_rejected(spec, message):
    from pydantic import ValidationError

    model = IntParam if spec["type"] == "int" else FloatParam
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        model.model_validate(spec)


def conditional_space() -> SearchSpace:
    return SearchSpace(
        {
            "optimizer": ChoiceParam(type="choice", values=["adam", "sgd"]),
            "momentum": FloatParam(
                type="float", min=0.0, max=0.9, step=0.3, when={"optimizer": "sgd"}
            ),
            "nesterov": BoolParam(type="bool", when={"optimizer": "sgd"}),
            "units": IntParam(type="int", min=16, max=32, step=16),
        }
    )


def test_inactive_parameters_are_absent():
    space = conditional_space()
    for i in range(200):
        values = space.sample(rng(i))
        if values["optimizer"] == "adam":
            assert "momentum" not in values and "nesterov" not in values
        else:
            assert values["momentum"] in (0.0, 0.3, 0.6, 0.9)
            assert isinstance(values["nesterov"], bool)


def test_grid_enumerates_conditional_branches_without_duplicates():
    space = conditional_space()
    grid = list(space.grid())
    # adam: 2 units; sgd: 4 momentum x 2 nesterov x 2 units
    assert len(grid) == 2 + 16 == space.size()
    assert len({config_key(c) for c in grid}) == len(grid)


def test_size_of_unconditional_space_and_infinite_space():
    space = SearchSpace(
        {
            "a": IntParam(type="int", min=1, max=3),
            "b": ChoiceParam(type="choice", values=[1, 2]),
            "c": FixedParam(type="fixed", value="x"),
        }
    )
    assert space.size() == 6
    continuous = SearchSpace({"lr": FloatParam(type="float", min=0.1, max=1.0)})
    assert continuous.size() is None
    with pytest.raises(ConfigError, match="step or a count"):
        list(continuous.grid())


def test_float_count_makes_a_grid_of_log_spaced_values():
    param = FloatParam(type="float", min=1e-3, max=1e-1, sampling="log", count=3)
    assert param.grid_values() == pytest.approx([1e-3, 1e-2, 1e-1])
    assert math.isclose(param.grid_values()[1], 0.01)


def test_condition_cycles_and_unknown_parents_are_errors():
    with pytest.raises(ConfigError, match="cycle: a -> b -> a|cycle: b -> a -> b"):
        SearchSpace(
            {
                "a": BoolParam(type="bool", when={"b": True}),
                "b": BoolParam(type="bool", when={"a": True}),
            }
        )
    with pytest.raises(ConfigError, match="did you mean 'optimizer'"):
        SearchSpace(
            {
                "optimizer": ChoiceParam(type="choice", values=["adam"]),
                "momentum": FloatParam(type="float", min=0, max=1, when={"optimiser": "adam"}),
            }
        )
    with pytest.raises(ConfigError, match="not a possible value"):
        SearchSpace(
            {
                "optimizer": ChoiceParam(type="choice", values=["adam"]),
                "momentum": FloatParam(type="float", min=0, max=1, when={"optimizer": "sgd"}),
            }
        )


def test_sampling_is_reproducible_with_a_seed():
    space = conditional_space()
    assert [space.sample(rng(7)) for _ in range(3)] == [space.sample(rng(7)) for _ in range(3)]


def test_defaults_respect_conditions():
    space = conditional_space()
    assert space.defaults() == {"optimizer": "adam", "units": 16}


@pytest.mark.parametrize("sampling", ["linear", "log", "reverse_log"])
def test_the_widest_float_ranges_sample_and_encode_finite_values(sampling):
    low = 1e-300 if sampling != "linear" else -1.7e308
    param = FloatParam(type="float", min=low, max=1.7e308, sampling=sampling)
    for value in (param.sample(rng(seed)) for seed in range(200)):
        assert math.isfinite(value) and low <= value <= 1.7e308
        assert 0.0 <= param.to_unit(value) <= 1.0
    stepped = FloatParam(type="float", min=-1.7e308, max=1.7e308, step=1e307)
    assert all(math.isfinite(v) for v in stepped.grid_values())
    assert all(math.isfinite(stepped.sample(rng(seed))) for seed in range(50))


def test_the_narrowest_float_ranges_encode_without_dividing_by_zero():
    """[0, 5e-324] holds two floats; halving its width (as the widest ranges need) made it
    zero, so an initial point or the Bayesian model's encoding was a ZeroDivisionError."""
    for step in (None, 0.1):
        param = FloatParam(type="float", min=0.0, max=5e-324, step=step)
        assert param.to_unit(0.0) == 0.0 and param.to_unit(5e-324) == 1.0
        assert all(0.0 <= param.to_unit(param.sample(rng(seed))) <= 1.0 for seed in range(20))
    space = SearchSpace({"x": FloatParam(type="float", min=0.0, max=5e-324, step=0.1)})
    assert space.point({"x": 0.0}) == {"x": 0.0}


def test_a_step_too_fine_for_the_range_is_refused():
    with pytest.raises(ValueError, match="into more than 1e\\+12 values"):
        FloatParam(type="float", min=0.0, max=1.0, step=5e-324)
    with pytest.raises(ValueError, match="into more than"):
        FloatParam(type="float", min=-1.7e308, max=1.7e308, step=1.0)
