"""A made-up training pipeline with 15 parameters, most of them categorical or conditional,
and a known minimum of 0 (for the surrogate benchmark).

The best configuration: optimizer sgd with momentum 0.9 and nesterov, learning rate 10**-1.5,
activation gelu, 3 layers of 256 units, dropout 0.2, batch norm, standard normalisation,
weight decay 1e-4 (regularise true), batch size 64, augmentation crop. Each categorical choice
adds its own penalty, and the best learning rate and dropout depend on other choices.
"""

from __future__ import annotations

import math

OPTIMUM = 0.0
_OPTIMIZER = {"adam": 0.15, "sgd": 0.0, "rmsprop": 0.3, "adagrad": 0.6}
_ACTIVATION = {"relu": 0.1, "tanh": 0.4, "gelu": 0.0, "elu": 0.2, "selu": 0.3}
_NORMALISATION = {"none": 0.5, "standard": 0.0, "minmax": 0.1, "robust": 0.05}
_BATCH = {16: 0.3, 32: 0.1, 64: 0.0, 128: 0.1, 256: 0.35}
_AUGMENTATION = {"none": 0.2, "flip": 0.1, "crop": 0.0, "mixup": 0.15}


def objective(hp: dict, budget: int | None = None) -> float:
    value = _OPTIMIZER[hp["optimizer"]] + _ACTIVATION[hp["activation"]]
    value += _NORMALISATION[hp["normalisation"]] + _BATCH[hp["batch_size"]]
    value += _AUGMENTATION[hp["augmentation"]]
    best_lr = {"adam": -3.0, "sgd": -1.5, "rmsprop": -3.5, "adagrad": -2.0}[hp["optimizer"]]
    value += 0.4 * (math.log10(hp["learning_rate"]) - best_lr) ** 2
    if hp["optimizer"] == "sgd":
        value += 2.0 * (hp["momentum"] - 0.9) ** 2 + (0.0 if hp["nesterov"] else 0.1)
    if hp["optimizer"] == "rmsprop":
        value += 3.0 * (hp["rho"] - 0.9) ** 2
    a, b = math.log2(hp["units"]) - 8.0, hp["layers"] - 3.0
    value += 0.15 * a * a + 0.1 * b * b + 0.1 * a * b
    best_dropout = 0.2 if hp["batch_norm"] else 0.4
    value += 1.5 * (hp["dropout"] - best_dropout) ** 2 + (0.0 if hp["batch_norm"] else 0.15)
    if hp["regularise"]:
        value += 0.2 * (math.log10(hp["weight_decay"]) + 4.0) ** 2
    else:
        value += 0.1
    return value
