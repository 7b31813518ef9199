"""A made-up accuracy-against-latency trade-off with mixed parameters: accuracy maximised,
inference latency (ms) minimised, as in picking a backbone, its depth and width for a device.

Unlike ``accuracy_size``, latency charges every block a fixed cost (blocks run one after the
other) besides the work, ``blocks * width^2``; accuracy grows with capacity ``C = blocks *
width`` towards a floor of error that depends on the backbone, and the best dropout grows with
capacity (``0.5 C / (C + 8)``; a miss costs ``0.6 (dropout - best)^2``). The three backbones
trade floor, how fast capacity pays and cost per block: mobilenet is cheap but plateaus early,
resnet is better past about 13 ms, efficientnet best only past about 26 ms, beyond the reference
point (a decoy). The front runs through mobilenet with 2 to 16 blocks, then resnet with 15 and
16. Reference point: accuracy 0.6, latency 25 ms; the largest hypervolume it allows is about
5.7257 (every backbone and number of blocks, 4 * 10^5 widths each at the best dropout: 5.72545
with 4001 widths, 5.72566 with 40001, 5.72568 with 400001).
"""

from __future__ import annotations

REFERENCE = (0.6, 25.0)
"""In the objectives' own terms: accuracy, latency."""
MAX_HYPERVOLUME = 5.7257
_BACKBONE = {
    "mobilenet": (0.10, 0.6, 1.0, 0.25, 0.12),
    "resnet": (0.05, 0.5, 1.5, 0.40, 0.35),
    "efficientnet": (0.02, 0.3, 3.0, 0.60, 0.25),
}
"""Error floor, how fast capacity pays, fixed latency, latency per block, latency per unit of
work (``width^2``) per block."""


def objective(hp: dict, budget: int | None = None) -> dict:
    floor, gain, base, per_block, per_work = _BACKBONE[hp["backbone"]]
    blocks, width = hp["blocks"], hp["width"]
    capacity = blocks * width
    error = floor + 0.8 / (1.0 + gain * capacity)
    error += 0.6 * (hp["dropout"] - 0.5 * capacity / (capacity + 8.0)) ** 2
    latency = base + per_block * blocks + per_work * blocks * width**2
    return {"accuracy": 1.0 - error, "latency": latency}
