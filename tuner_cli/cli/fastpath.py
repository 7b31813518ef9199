"""Run a well-formed read-only command without Typer's parameter machinery.

Typer (0.20+) coerces every parameter through a pydantic ``TypeAdapter``; importing pydantic and
building the adapters costs about as much as everything else ``kt-run best`` does. This parser
reads the same ``typer.Option``/``typer.Argument`` declarations from the command's signature and
handles only plain cases: anything it does not fully understand (``--help``, an unknown or
malformed option, a value out of range) returns ``None`` and Typer parses the command line as
usual, with its own messages.
"""

from __future__ import annotations

import importlib
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from typer.models import ArgumentInfo, OptionInfo

FAST_COMMANDS = {
    "best": "tuner_cli.cli.best:best",
    "trials": "tuner_cli.cli.trials:trials",
    "show": "tuner_cli.cli.show:show",
}
_SIMPLE = (str, int, float, Path)


def run_fast(argv: list[str]) -> bool:
    """Run ``argv`` (without the program name) if it is a plain read command; else False."""
    if not argv or argv[0] not in FAST_COMMANDS or {"--help", "-h"} & set(argv):
        return False
    module, name = FAST_COMMANDS[argv[0]].split(":")
    command = getattr(importlib.import_module(module), name)
    arguments = parse(command, argv[1:])
    if arguments is None:
        return False
    command(**arguments)
    return True


def parse(command: Any, tokens: list[str]) -> dict[str, Any] | None:
    """The keyword arguments for ``command``, or None when Typer should do the parsing."""
    hints = typing.get_type_hints(command)
    values: dict[str, Any] = {}
    positionals: list[str] = []
    options: dict[str, str] = {}
    for name, info in _parameters(command).items():
        kind = hints.get(name)
        simple = kind in _SIMPLE or (isinstance(kind, type) and issubclass(kind, Enum))
        if not isinstance(info, ArgumentInfo | OptionInfo) or not simple:
            return None
        values[name] = info.default
        if isinstance(info, ArgumentInfo):
            positionals.append(name)
        else:
            for flag in info.param_decls or (f"--{name.replace('_', '-')}",):
                options[flag] = name
    given: dict[str, str] = {}
    rest = list(tokens)
    while rest:
        token = rest.pop(0)
        if token.startswith("-") and token != "-":
            flag, equals, inline = token.partition("=")
            if flag not in options or (not equals and not rest):
                return None
            given[options[flag]] = inline if equals else rest.pop(0)
        elif positionals:
            given[positionals.pop(0)] = token
        else:
            return None
    if any(values[name] is ... for name in positionals):
        return None
    for name, text in given.items():
        value = _convert(text, hints[name], _parameters(command)[name])
        if value is None:
            return None
        values[name] = value
    return values


def _parameters(command: Any) -> dict[str, Any]:
    import inspect

    return {n: p.default for n, p in inspect.signature(command).parameters.items()}


def _convert(text: str, kind: type, info: ArgumentInfo | OptionInfo) -> Any:
    try:
        value = kind(text)
    except ValueError:
        return None
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value
