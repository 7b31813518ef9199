"""Folders with one subfolder per class, checked before Keras reads them; no TensorFlow here.

``image_dataset_from_directory`` and ``text_dataset_from_directory`` accept a folder with one
class, or an empty class folder, and fail on an unreadable image only mid-epoch; each is a
config error here instead, naming the folder or file. The driver also reads the class names
from here (for study.json) without importing TensorFlow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuner_cli.errors import ConfigError, KeyPath, quoted

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""What ``image_dataset_from_directory`` reads; other files in the folders are ignored."""
TEXT_SUFFIXES = (".txt",)
SUFFIXES = {"images": IMAGE_SUFFIXES, "text": TEXT_SUFFIXES}
COLOR_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


@dataclass(frozen=True)
class ClassFolders:
    root: Path
    class_names: tuple[str, ...]
    files: tuple[Path, ...]

    @property
    def count(self) -> int:
        return len(self.files)


def class_names(root: Path, key_path: KeyPath) -> tuple[str, ...]:
    """The class names Keras infers (subfolder names, sorted); at least two of them."""
    if not root.is_dir():
        raise ConfigError(f"no such folder: {root}", key_path=key_path)
    names = tuple(sorted(entry.name for entry in os.scandir(root) if entry.is_dir()))
    if not names:
        raise ConfigError(
            f"{root} has no subfolders; put each class's files in a subfolder named after it",
            key_path=key_path,
        )
    if len(names) == 1:
        raise ConfigError(
            f"{root} has one class only ({quoted(names[0])}); a classifier needs two or more "
            "class subfolders",
            key_path=key_path,
        )
    return names


def scan(root: Path, source: str, key_path: KeyPath) -> ClassFolders:
    """Every class folder with at least one file of the source's kind (searched recursively,
    as Keras does)."""
    names = class_names(root, key_path)
    suffixes = SUFFIXES[source]
    files: list[Path] = []
    for name in names:
        found = sorted(
            Path(folder) / file
            for folder, _, filenames in os.walk(root / name)
            for file in filenames
            if file.lower().endswith(suffixes)
        )
        if not found:
            raise ConfigError(
                f"class folder {root / name} holds no {'/'.join(suffixes)} files",
                key_path=key_path,
            )
        files += found
    return ClassFolders(root, names, tuple(files))


def image_size(folders: ClassFolders, key_path: KeyPath) -> tuple[int, int]:
    """The one (height, width) of all the images; every file must open as an image."""
    sizes: dict[tuple[int, int], Path] = {}
    for path in folders.files:
        sizes.setdefault(_opened_size(path, key_path), path)
        if len(sizes) > 1:
            (first, first_path), (other, other_path) = list(sizes.items())[:2]
            raise ConfigError(
                f"the images differ in size: {first_path} is {first[0]}x{first[1]} and "
                f"{other_path} is {other[0]}x{other[1]} (height x width); set "
                "data.image_size: [height, width] to resize them all",
                key_path=key_path,
            )
    (size,) = sizes
    return size


def check_images(folders: ClassFolders, key_path: KeyPath) -> None:
    """Every file opens as an image (with ``image_size`` given, their sizes may differ)."""
    for path in folders.files:
        _opened_size(path, key_path)


def _opened_size(path: Path, key_path: KeyPath) -> tuple[int, int]:
    """(height, width) from the file's header: Pillow opens lazily, so this is quick even
    for many files, and a file that is not an image fails here rather than mid-epoch."""
    width, height = _header(path, key_path)[0]
    return height, width


def image_mode(path: Path, key_path: KeyPath) -> str:
    """Pillow's mode of the image (``L`` grayscale, ``RGB``, ``RGBA``...), from its header."""
    return _header(path, key_path)[1]


def _header(path: Path, key_path: KeyPath) -> tuple[tuple[int, int], str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size, image.mode
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise ConfigError(
            f"{path} is not a readable image ({type(exc).__name__}: {exc})", key_path=key_path
        ) from None


def recorded_class_names(data: DataConfig | None, base: Path) -> list[str] | None:
    """The class names to keep in study.json, read on the driver (no TensorFlow); ``None``
    when the source has no class folders or they are not visible here (a remote worker's)."""
    from tuner_cli.config import FOLDER_SOURCES
    from tuner_cli.training.table import target_class_names

    if data is not None and data.source == "csv":
        return target_class_names(data, base)
    if data is None or data.source not in FOLDER_SOURCES:
        return None
    root = Path(data.path).expanduser()
    try:
        return list(class_names(root if root.is_absolute() else base / root, ("data", "path")))
    except (ConfigError, OSError):
        return None
