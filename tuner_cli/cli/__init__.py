"""The ``kt-run`` command line: parse, call library code, render, exit."""
