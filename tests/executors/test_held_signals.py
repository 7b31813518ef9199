"""Signals held back while a local cluster starts (see ``_held_signals``)."""

from __future__ import annotations

import signal
import time

import pytest

from tuner_cli.errors import SignalInterrupt
from tuner_cli.executors import _held_signals
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


def test_a_start_that_does_not_end_is_interrupted_after_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(_held_signals, "HOLD_LIMIT_S", 0.2)
    recorded: list[int] = []

    def search_handler(signum, frame):
        recorded.append(signum)
        raise SignalInterrupt

    previous = signal.signal(signal.SIGTERM, search_handler)
    try:
        started = time.monotonic()
        with pytest.raises(SignalInterrupt), held_signals():
            signal.raise_signal(signal.SIGTERM)
            time.sleep(30)  # a start that hangs
        assert time.monotonic() - started < 10
        assert recorded == [signal.SIGTERM]  # the search's handler saw the signal it was sent
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_hold_all_keeps_every_signal_for_after_the_block() -> None:
    """Closing a cluster after "stop now": a user pressing Ctrl-C again and again must not
    interrupt it halfway; the first signal is delivered once it is closed."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with held_signals(hold_all=True) as held:
            for _ in range(4):
                signal.raise_signal(signal.SIGINT)
            assert seen == []
        assert len(held.received) == 4
        held.deliver()
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_hold_all_still_ends_a_block_that_hangs_after_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(_held_signals, "HOLD_LIMIT_S", 0.2)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), held_signals(hold_all=True):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        time.sleep(30)  # a close that hangs
    assert time.monotonic() - started < 10
