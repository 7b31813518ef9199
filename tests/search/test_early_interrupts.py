"""A signal while the search starts stops it at once (``run._stops_at_once_until_trials_run``)."""

from __future__ import annotations

import signal
import sys
import time
import types

import pytest

from tuner_cli.search.run import SearchInterrupted, _stops_at_once_until_trials_run
from tuner_cli.search.signals import (
    FIRST_INTERRUPT_IN_A_NOTEBOOK,
    FIRST_PRESS,
    GracefulInterrupts,
)


def test_an_error_that_a_signal_caused_inside_an_import_still_reads_as_the_signal() -> None:
    @_stops_at_once_until_trials_run
    def starting() -> None:
        try:
            signal.raise_signal(signal.SIGTERM)
        except KeyboardInterrupt as exc:  # what CPython does to one inside a class body
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    with pytest.raises(SearchInterrupted, match="interrupted before any trial started") as caught:
        starting()
    assert caught.value.exit_code == 128 + signal.SIGTERM


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_whose_exception_python_dropped_is_raised_again(signum, capsys) -> None:
    """Python runs the handler wherever the main thread is; raised inside a ``__del__`` or a
    weakref callback (the import system's module locks have one), the exception is printed
    as "Exception ignored" and dropped, and the search went on for the minute its worker took
    to import the objective (a CI failure, caught with faulthandler)."""

    class Dropped:
        def __del__(self) -> None:
            signal.raise_signal(signum)

    @_stops_at_once_until_trials_run
    def starting() -> None:
        Dropped()  # collected at once: the handler runs, and raises, inside __del__
        time.sleep(10)  # the wait the search was left in
        pytest.fail("the signal was lost")

    started = time.monotonic()
    with pytest.raises(SearchInterrupted) as caught:
        starting()
    assert caught.value.exit_code == 128 + signum
    assert time.monotonic() - started < 5
    assert "Exception ignored" not in capsys.readouterr().err  # nor its traceback printed


def test_an_error_without_a_signal_is_left_as_it_is() -> None:
    @_stops_at_once_until_trials_run
    def starting() -> None:
        raise RuntimeError("a real bug")

    with pytest.raises(RuntimeError, match="a real bug"):
        starting()


def test_a_notebook_loop_that_skips_failed_searches_still_stops_on_the_interrupt() -> None:
    """``except Exception: continue`` around each search must not swallow the keystrokes that
    mean "stop": the interrupt is a ``KeyboardInterrupt``, as Python's own is."""

    @_stops_at_once_until_trials_run
    def search() -> None:
        signal.raise_signal(signal.SIGTERM)

    started = []
    with pytest.raises(SearchInterrupted):
        for config in ("a", "b", "c"):
            try:
                started.append(config)
                search()
            except Exception:  # noqa: BLE001 - what the notebook does
                continue
    assert started == ["a"]


@pytest.mark.parametrize("kernel", [False, True])
def test_the_first_interrupt_names_the_keystroke_of_where_the_search_runs(kernel, monkeypatch):
    """A terminal's user presses Ctrl-C; a notebook's interrupts the kernel (the button, or
    I, I): 'press Ctrl-C again' means nothing there."""
    if kernel:
        monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    else:
        monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    lines: list[str] = []
    stops: list[bool] = []
    with GracefulInterrupts(lambda: stops.append(True), notify=lines.append):
        signal.raise_signal(signal.SIGINT)
    assert stops == [True]
    assert lines == [FIRST_INTERRUPT_IN_A_NOTEBOOK if kernel else FIRST_PRESS]
    assert ("interrupt the kernel again" in lines[0]) is kernel
