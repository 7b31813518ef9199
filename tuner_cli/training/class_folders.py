"""Folders with one subfolder per class, checked before Keras reads them; no TensorFlow here.

``image_dataset_from_directory`` and ``text_dataset_from_directory`` accept a folder with one
class, or an empty class folder, and fail on an unreadable image only mid-epoch; each is a
config error here instead, naming the folder or file. The driver also reads the class names
from here (for study.json) without importing TensorFlow.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.image_check_memo import remembered
from tuner_cli.training.table import data_path
from tuner_cli.wording import plural

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
    left_out: tuple[Path, ...] = ()
    """Files Keras passes over that were likely meant as data (``left_out_note``)."""

    @property
    def count(self) -> int:
        return len(self.files)


def class_names(root: Path, key_path: KeyPath) -> tuple[str, ...]:
    """The class names Keras infers (subfolder names, sorted, without hidden ones such as
    ``.ipynb_checkpoints``, which Keras skips); at least two of them."""
    if not root.is_dir():
        raise ConfigError(f"no such folder: {root}", key_path=key_path)
    names = tuple(
        sorted(
            entry.name
            for entry in os.scandir(root)
            if entry.is_dir() and not entry.name.startswith(".")
        )
    )
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
    left_out: list[Path] = []
    for name in names:
        every = sorted(
            Path(folder) / file
            for folder, _, filenames in os.walk(root / name)
            for file in filenames
        )
        found = [path for path in every if path.name.lower().endswith(suffixes)]
        if not found:
            raise ConfigError(
                f"class folder {root / name} holds no {'/'.join(suffixes)} files",
                key_path=key_path,
            )
        files += found
        left_out += [path for path in every if _meant_as_data(path, source, suffixes)]
    return ClassFolders(root, names, tuple(files), tuple(left_out))


def _meant_as_data(path: Path, source: str, suffixes: tuple[str, ...]) -> bool:
    """A file Keras does not read that looks like data: an image in a format Pillow knows
    (``.webp``, ``.tif``) beside the images, any file beside the texts (``.md``, a file
    without a suffix); hidden ones (``.DS_Store``) never."""
    suffix = path.suffix.lower()
    if suffix in suffixes or path.name.startswith(".") or path.stem.upper() in NOT_DATA:
        return False
    if source == "text":
        return True
    from PIL import Image

    Image.init()
    return suffix in Image.registered_extensions()


NOT_DATA = {"README", "LICENSE", "THUMBS", "DESKTOP"}
"""Names of files that come with a data set or a file manager, never examples (``README.md``,
``Thumbs.db``, ``desktop.ini``), left out of the warning."""


def left_out_note(folders: ClassFolders, source: str) -> str | None:
    """Say which files Keras leaves out, by kind: a folder of photos a third of which are
    ``.webp`` trains on two thirds of them without a word from Keras."""
    if not folders.left_out:
        return None
    kinds = Counter(path.suffix.lower() or "without a suffix" for path in folders.left_out)
    counted = ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common())
    shown = ", ".join(str(path.relative_to(folders.root)) for path in folders.left_out[:3])
    more = ", ..." if len(folders.left_out) > 3 else ""
    reads = ", ".join(SUFFIXES[source])
    fix = "convert them to PNG or JPEG" if source == "images" else "rename them to .txt"
    return (
        f"{folders.root}: {plural(len(folders.left_out), 'file')} will not be trained on "
        f"({counted}: {shown}{more}): Keras reads {reads} files only; {fix} to use them"
    )


def folder_notes(data: DataConfig | None, base: Path) -> list[str]:
    """Warnings about class folders, read on the driver (no TensorFlow); empty when the source
    is none or the folders cannot be read (loading reports why)."""
    from tuner_cli.config import FOLDER_SOURCES

    if data is None or data.source not in FOLDER_SOURCES:
        return []
    paths = [data.path, *([data.validation.path] if data.validation is not None else [])]
    notes = []
    for path in paths:
        try:
            folders = scan(data_path(path, base), data.source, ("data",))
        except (ConfigError, OSError):
            continue
        if note := left_out_note(folders, data.source):
            notes.append(note)
    return notes


def image_size(folders: ClassFolders, key_path: KeyPath) -> tuple[int, int]:
    """The one (height, width) of all the images; every file must open as an image."""
    return one_size(read_images(folders, key_path), key_path)


def read_images(
    folders: ClassFolders, key_path: KeyPath
) -> dict[Path, tuple[tuple[int, int], str]]:
    """Each image's (height, width) and Pillow mode; every file must be one TensorFlow
    decodes (checked once per machine in a search: ``image_check_memo``)."""
    return remembered(
        folders.files, lambda: {path: _opened(path, key_path) for path in folders.files}
    )


def one_size(images: dict[Path, tuple[tuple[int, int], str]], key_path: KeyPath) -> tuple[int, int]:
    """The one (height, width) of ``images`` (from ``read_images``); sizes that differ are an
    error naming two files."""
    sizes: dict[tuple[int, int], Path] = {}
    for path, (size, _) in images.items():
        sizes.setdefault(size, path)
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
    read_images(folders, key_path)


TEXT_CHUNK = 2**20


def check_texts(folders: ClassFolders, key_path: KeyPath) -> None:
    """Every ``.txt`` file is UTF-8 (a byte order mark is fine). Keras reads the files as
    bytes: a Latin-1 or UTF-16 file trains, then the vocabulary it put in the model cannot
    be saved, and every trial fails at its end without naming the file. All files are read,
    as a valid corpus is, so the message counts every file to convert, not one per run."""
    wrong = [(path, problem) for path in folders.files if (problem := _not_utf8(path))]
    if not wrong:
        return
    path, problem = wrong[0]
    message = f"{path} {problem}"
    if len(wrong) > 1:
        count = len(wrong) - 1
        names = ", ".join(p.name for p, _ in wrong[1:4]) + (", ..." if count > 3 else "")
        others = "1 other file is" if count == 1 else f"{count:,} other files are"
        message += f"; {others} not UTF-8 either ({names})"
    raise ConfigError(message, key_path=key_path)


def _not_utf8(path: Path) -> str | None:
    """What keeps ``path`` from being read as UTF-8 text, with its fix; None when nothing."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        with open(path, "rb") as handle:
            if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                return (
                    "is UTF-16 text (its byte order mark); Keras reads UTF-8: save it as UTF-8 "
                    f"(iconv -f UTF-16 -t UTF-8 {path.name} > utf8-{path.name})"
                )
            handle.seek(0)
            while chunk := handle.read(TEXT_CHUNK):
                offset += len(chunk)
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        at = offset - len(exc.object) + exc.start  # exc.object ends at offset
        byte = exc.object[exc.start]
        return f"is not UTF-8 text (byte 0x{byte:02x} at offset {at}); save it as UTF-8"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return None


GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")
"""Pillow's modes of a grayscale image (``LA``: with transparency, which a photo set rarely
means)."""
ALPHA_MODES = ("RGBA", "RGBa", "PA")


def color_mode(modes: set[str]) -> str:
    """The ``data.color_mode`` that keeps what every image has: ``grayscale`` when all are
    gray, ``rgba`` when all have transparency, ``rgb`` otherwise (a palette image may be in
    colour)."""
    if modes <= set(GRAY_MODES):
        return "grayscale"
    return "rgba" if modes <= set(ALPHA_MODES) else "rgb"


def _opened(path: Path, key_path: KeyPath) -> tuple[tuple[int, int], str]:
    """(height, width) and mode of an image that TensorFlow will decode: a file that is not
    one fails here rather than mid-epoch."""
    (width, height), mode = _header(path, key_path)
    return (height, width), mode


DECODED_FORMATS = ("BMP", "GIF", "JPEG", "PNG", "WEBP")
"""The formats ``tf.io.decode_image`` reads (by content, whatever the file's extension)."""
BMP_BITS = (8, 24, 32)
"""Bits per pixel of the BMP files TensorFlow decodes (1, 4 and 16 fail: "channels ... 0")."""


def _header(path: Path, key_path: KeyPath) -> tuple[tuple[int, int], str]:
    """Size and mode of an image TensorFlow can decode, read to its end: Pillow's header
    alone accepts a file cut short, which TensorFlow's decoder then fails on mid-epoch
    without naming the file. JPEGs are decoded at 1/8 scale and PNGs checked chunk by chunk
    (``verify``), so this stays around a millisecond per image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            size, mode, kind = image.size, image.mode, image.format
            if kind not in DECODED_FORMATS:
                raise _Undecodable(
                    f"is a {kind} image, which TensorFlow cannot decode; save it as PNG or JPEG"
                )
            if kind == "BMP":
                _check_bmp_bits(path)
            if kind == "PNG":
                image.verify()
            else:
                image.draft(None, (1, 1))  # JPEG: decode at the smallest scale
                image.load()
    except _Undecodable as exc:
        raise ConfigError(f"{path} {exc}", key_path=key_path) from None
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as exc:
        reason = "is truncated" if "truncated" in str(exc).lower() else "is not a readable image"
        raise ConfigError(
            f"{path} {reason} ({type(exc).__name__}: {exc}){_apple_double_note(path)}",
            key_path=key_path,
        ) from None
    return size, mode


def _apple_double_note(path: Path) -> str:
    """macOS writes ``._photo.jpg`` beside ``photo.jpg`` on drives it does not own (a USB
    stick, a zip, a network share); Keras reads it as one more image, so it must go."""
    if not path.name.startswith("._"):
        return ""
    return (
        "; files named ._* are macOS metadata, not images: delete them "
        f"(find {path.parent.parent} -name '._*' -delete)"
    )


class _Undecodable(Exception):
    """A file Pillow reads that TensorFlow's decoder does not."""


def _check_bmp_bits(path: Path) -> None:
    with open(path, "rb") as handle:
        header = handle.read(30)
    core = int.from_bytes(header[14:18], "little") == 12  # BITMAPCOREHEADER
    offset = 24 if core else 28
    bits = int.from_bytes(header[offset : offset + 2], "little")
    if bits not in BMP_BITS:
        raise _Undecodable(
            f"is a BMP of {bits} bit{'s' if bits != 1 else ''} per pixel, which TensorFlow "
            "cannot decode (it reads 8, 24 or 32); save it as PNG"
        )


def recorded_class_names(data: DataConfig | None, base: Path) -> list[str] | None:
    """The class names to keep in study.json, read on the driver (no TensorFlow); ``None``
    when the source has no class folders or they are not visible here (a remote worker's)."""
    from tuner_cli.config import FOLDER_SOURCES
    from tuner_cli.training.table import target_class_names

    if data is not None and data.source == "csv":
        return target_class_names(data, base)
    if data is None or data.source not in FOLDER_SOURCES:
        return None
    try:
        return list(class_names(data_path(data.path, base), ("data", "path")))
    except (ConfigError, OSError):
        return None
