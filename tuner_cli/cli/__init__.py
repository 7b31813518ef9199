"""The ``kt-run`` command line: parse, call library code, render, exit.

The only room that talks to the terminal (``console``); one command per file.
"""

from tuner_cli.cli.app import main

__all__ = ["main"]
