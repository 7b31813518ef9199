"""Forgetting the gradient functions TensorFlow registers while a training step is traced.

Under Keras' default distribution strategy, tracing a model's training step sums the gradients
through ``tf.custom_gradient``, which in graph mode registers a new gradient function in
TensorFlow's process-wide gradient registry (``CustomGradient-N``) and never removes it. The
function holds the traced graph, so every trial's training step stays in memory after
``clear_session``: about 4 MB a trial for a small MLP on digits (8.7 MB per two-trial
``run_search`` call in a notebook, 4.5 MB a trial in a worker), more for larger models. That
is what made a worker grow until it was recycled, and a notebook or ``--workers 0`` search grow
without end.

A registration is only looked up while its graph is being differentiated, which happens while
that step is traced; once the trial's model is gone, nothing can use it. Only the names
registered during the trial are dropped, so a notebook's own custom gradients stay. Trials in
one process run one at a time (see ``executors``), so no other trial's tracing is under way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PREFIX = "CustomGradient-"


@contextmanager
def forgotten_after() -> Iterator[None]:
    """Drop the custom gradients registered inside the block when it ends."""
    registry = _registry()
    before = set(registry) if registry is not None else set()
    try:
        yield
    finally:
        if registry is not None:
            for name in [n for n in registry if n.startswith(PREFIX) and n not in before]:
                del registry[name]


def _registry() -> dict[str, Any] | None:
    """TensorFlow's gradient registry (a private table); None where a TensorFlow version
    keeps it elsewhere, which leaves the registrations, and the memory, as TensorFlow does."""
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None
