"""The package version, in a leaf every room may import without importing the package's root."""

__version__ = "0.1.0"
