"""kt-run: hyperparameter search for Keras models, driven by one YAML file."""

__version__ = "0.1.0"
