"""Signals held back while a local cluster starts (see ``_held_signals``)."""

from __future__ import annotations

import signal

import pytest

from tuner_cli.executors._held_signals import held_signals


def test_the_first_signal_waits_for_the_block_then_reaches_the_previous_handler() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with held_signals() as held:
            signal.raise_signal(signal.SIGTERM)
            assert seen == []  # the block went on
        assert held.received == [signal.SIGTERM]
        held.deliver()
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_second_signal_interrupts_at_once() -> None:
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), held_signals():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        pytest.fail("the second signal did not interrupt")
    assert signal.getsignal(signal.SIGINT) is before


def test_nothing_held_delivers_nothing() -> None:
    with held_signals() as held:
        pass
    held.deliver()
    assert held.received == []
