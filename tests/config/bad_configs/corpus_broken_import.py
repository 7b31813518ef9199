"""A module that fails while it is imported, as user code sometimes does."""

raise RuntimeError("this module is broken on purpose")
