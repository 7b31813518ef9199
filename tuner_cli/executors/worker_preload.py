"""Imported once by the process that forks local workers, so each worker (and each
replacement after a recycle) starts with TensorFlow and Keras already loaded.

Only Keras studies preload it; an ``objective_function`` study never imports TensorFlow.
Forking after the import is safe on CPU: TensorFlow starts its thread pools and devices on the
first operation, which happens in the worker, after the fork.
"""

from tuner_cli.training.keras_import import import_keras

import_keras()
