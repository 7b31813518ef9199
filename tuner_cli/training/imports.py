"""Import the user code a config names (``"pkg.mod:fn"``): the only way a config runs code."""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.keras_tuner_stand_in import install_if_missing


def load_callable(spec: str, base_dir: Path, key_path: KeyPath) -> Callable[..., Any]:
    """Import ``module:function``, looking in the config file's folder first."""
    target = load_attribute(spec, base_dir, key_path)
    if not callable(target):
        raise ConfigError(f"'{spec}' is not callable", key_path=key_path)
    return target


def load_attribute(spec: str, base_dir: Path, key_path: KeyPath) -> Any:
    """Import ``module:name`` (a function, a class or an object), config folder first."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"{quoted(spec)} must look like 'module:function'", key_path=key_path)
    shipped = _shipped.get()
    if shipped is not None and shipped.holds(module_name):
        base_dir = shipped.code_folder  # a cluster's worker: the config folder's code as sent
    folder = str(base_dir)
    if folder in sys.path:
        sys.path.remove(folder)
    sys.path.insert(0, folder)
    if module_name == "__main__" and shipped is not None and attribute in shipped.pickled:
        return shipped.load(attribute, key_path)  # the modules it uses: config's folder first
    top = module_name.split(".")[0]
    _forget_if_shadowed(top, Path(base_dir))
    _forget_if_edited(top)
    install_if_missing()  # user modules may `import keras_tuner as kt` without it installed
    imported = set(sys.modules)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"cannot import module '{module_name}' ({exc}); it is looked for in {folder} "
            "and on the Python path",
            key_path=key_path,
        ) from None
    except Exception as exc:  # noqa: BLE001 - any error while importing user code is theirs
        raise ConfigError(
            f"importing '{module_name}' failed: {type(exc).__name__}: {exc}", key_path=key_path
        ) from None
    _note_as_imported(top, imported)
    target = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(
                f"module '{module_name}' has no '{attribute}'{_main_note(module_name)}",
                key_path=key_path,
            )
        target = getattr(target, part)
    return target


class ShippedObjects:
    """What a config names in ``__main__`` (``"__main__:build_model"``), pickled by value for
    worker processes, whose ``__main__`` is another: a notebook's cells or a script fed on
    standard input cannot be imported there. cloudpickle pickles a ``__main__`` function or
    class by value, with the ``__main__`` functions and globals it uses; modules it uses
    (``keras``, a ``helpers.py``) travel by name and are imported where it is unpickled.

    For a cluster's workers, which may run on machines without the config's folder, also the
    ``sources`` of that folder's Python (``config_folder_sources``); a worker writes them to
    ``code_folder`` and imports those modules from there, whatever its machine holds at the
    folder's path.

    The driver makes it once per search (``from_main``); a worker unpickles each object the
    first time a trial asks for it, so a failure there is a config error naming the key.
    """

    def __init__(self, pickled: Mapping[str, bytes], sources: Mapping[str, bytes] | None = None):
        self.pickled = dict(pickled)
        self.sources = dict(sources or {})
        self.code_folder: Path | None = None
        self._loaded: dict[str, Any] = {}
        content = hashlib.sha256()
        for name, data in sorted(self.pickled.items()) + sorted(self.sources.items()):
            content.update(f"{name}:{len(data)}:".encode())
            content.update(data)
        self.digest = content.hexdigest()
        """What the objects and sources are: a worker sets up each content once."""

    @classmethod
    def from_main(
        cls,
        names: Mapping[str, KeyPath],
        base_dir: Path,
        sources: Mapping[str, bytes] | None = None,
    ) -> ShippedObjects | None:
        """The objects ``names`` (attribute -> the key that names it) in this process's
        ``__main__``, with ``sources``; None when there is nothing to send."""
        if not names and not sources:
            return None
        import cloudpickle

        pickled = {}
        for attribute, key_path in names.items():
            target = load_attribute(f"__main__:{attribute}", base_dir, key_path)
            try:
                pickled[attribute] = cloudpickle.dumps(target)
            except Exception as exc:  # noqa: BLE001 - whatever the object holds is the user's
                raise ConfigError(
                    f"'__main__:{attribute}' cannot be sent to the worker processes "
                    f"({type(exc).__name__}: {exc}); it, or a global it uses, cannot be "
                    "pickled: move that into a module beside the config, or run the trials in "
                    "this process (workers=0)",
                    key_path=key_path,
                ) from None
        return cls(pickled, sources)

    def holds(self, module_name: str) -> bool:
        """Whether this worker's copy of the config's folder has ``module_name``'s top module:
        the driver's, imported in place of what the worker's machine may have at that path
        (nothing, or an older copy)."""
        top = module_name.split(".")[0]
        return self.code_folder is not None and (
            f"{top}.py" in self.sources or f"{top}/__init__.py" in self.sources
        )

    def write_sources(self, folder: Path) -> None:
        """Write ``sources`` under ``folder``, this worker's copy of the config's folder."""
        for name, content in self.sources.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        self.code_folder = folder

    def load(self, attribute: str, key_path: KeyPath) -> Any:
        if attribute not in self._loaded:
            install_if_missing()  # the object may use `kt.HyperModel` without KerasTuner here
            try:
                self._loaded[attribute] = pickle.loads(self.pickled[attribute])
            except Exception as exc:  # noqa: BLE001 - unpickling runs the user's imports
                raise ConfigError(
                    f"'__main__:{attribute}', sent from the notebook or script that runs the "
                    f"search, could not be loaded in the worker process: {type(exc).__name__}: "
                    f"{exc}",
                    key_path=key_path,
                ) from None
        return self._loaded[attribute]

    def __getstate__(self) -> dict[str, Any]:
        # objects loaded here, and the folder written here, stay here
        return {**self.__dict__, "_loaded": {}, "code_folder": None}


def config_folder_sources(base_dir: Path, specs: Iterable[str]) -> dict[str, bytes]:
    """The Python of the config's folder, by path within it, for a cluster's workers: its
    ``.py`` files (a builder's module and the helpers it imports) and the packages ``specs``
    (``module:name``) import from it, with everything their folders hold."""
    files = [path for path in base_dir.glob("*.py") if path.is_file()]
    for top in {spec.partition(":")[0].split(".")[0] for spec in specs}:
        package = base_dir / top
        if (package / "__init__.py").is_file():
            files += [path for path in package.rglob("*.py") if path.is_file()]
    return {path.relative_to(base_dir).as_posix(): path.read_bytes() for path in files}


_shipped: ContextVar[ShippedObjects | None] = ContextVar("kt_run_shipped", default=None)
"""The ``__main__`` objects of the search whose trial runs in this thread, in a worker."""


@contextmanager
def shipped_main(objects: ShippedObjects | None) -> Iterator[None]:
    """While a worker runs one search's trial, ``__main__:NAME`` finds that search's objects
    (a cluster's worker may serve several searches, each with its own notebook)."""
    token = _shipped.set(objects)
    try:
        yield
    finally:
        _shipped.reset(token)


def shipped_digest(spec: str) -> str | None:
    """What identifies the ``__main__`` object ``spec`` names in this worker's search (the
    digest of what the search shipped), or None when it names none. A cluster's worker keeps
    what it loaded for the next search, by the name, and a notebook's next loader has the same
    name."""
    module_name, _, attribute = spec.partition(":")
    shipped = _shipped.get()
    if module_name != "__main__" or shipped is None or attribute not in shipped.pickled:
        return None
    return shipped.digest


def _main_note(module_name: str) -> str:
    """``__main__:build_model`` names a function of the notebook or script that ran the
    search; any other process (``kt-run export --retrain``, a worker) has another
    ``__main__``, so say so rather than leave "has no 'build_model'" to puzzle over."""
    if module_name != "__main__":
        return ""
    return (
        ": '__main__' is the notebook or script that runs, and this one is not the one that "
        "defined it; from the command line, move the function into a module beside the config "
        "(my_models.py, then 'my_models:build_model')"
    )


def _forget_if_shadowed(top: str, folder: Path) -> None:
    """Drop an imported ``top`` (and its submodules) that another folder supplied when this
    config's folder has its own: two studies in one notebook, each with an ``objectives.py``
    beside its config, must each get their own and not the one imported first."""
    cached = sys.modules.get(top)
    own = [folder / f"{top}.py", folder / top / "__init__.py"]
    if cached is None or not any(path.is_file() for path in own):
        return
    location = getattr(cached, "__file__", None)
    if location is not None and Path(location).resolve() in {p.resolve() for p in own}:
        return
    for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


_imported_as: dict[str, tuple[int, int] | None] = {}
"""Each user module's file as it was (modification time, size) when this process imported it."""


def _stamp(module: object) -> tuple[int, int] | None:
    location = getattr(module, "__file__", None)
    try:
        stat = os.stat(location) if location else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat else None


def _modules_of(top: str) -> list[str]:
    return [n for n in sys.modules if n == top or n.startswith(f"{top}.")]


def _forget_if_edited(top: str) -> None:
    """Drop an imported ``top`` (and its submodules) whose file changed since it was imported:
    a notebook user who edits ``objectives.py`` and runs the search again (``workers=0``, or
    the driver's own check) expects the edit, as a new ``kt-run search`` process would see it."""
    if top == "__main__":
        return  # the notebook itself: its functions are current whenever a cell runs
    names = _modules_of(top)
    edited = [n for n in names if n in _imported_as and _stamp(sys.modules[n]) != _imported_as[n]]
    if edited:
        for name in names:
            del sys.modules[name]
            _imported_as.pop(name, None)
        importlib.invalidate_caches()


def _note_as_imported(top: str, before: set[str]) -> None:
    for name in _modules_of(top):
        if name not in before or name not in _imported_as:
            _imported_as[name] = _stamp(sys.modules[name])
