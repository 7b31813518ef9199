"""An image folder checked once per machine in a search (``image_check_memo``): a fresh
worker reads the check of the one before, unless a file changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from tuner_cli.errors import ConfigError
from tuner_cli.training import class_folders
from tuner_cli.training.image_check_memo import SCRATCH_ENV

KEY = ("data", "path")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for label, shade in (("cats", 40), ("dogs", 200)):
        (root / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (6, 4), (shade, i, 0)).save(root / label / f"{i}.jpg")
    return root


def _checks_counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real = class_folders._opened

    def counting(path: Path, key_path):
        opened.append(path)
        return real(path, key_path)

    monkeypatch.setattr(class_folders, "_opened", counting)
    return opened


def test_a_second_worker_reads_the_first_ones_check_until_a_file_changes(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "kt-run-dask-scratch"
    scratch.mkdir()
    monkeypatch.setenv(SCRATCH_ENV, str(scratch))
    opened = _checks_counted(monkeypatch)
    folders = class_folders.scan(folder, "images", KEY)

    assert class_folders.image_size(folders, KEY) == (4, 6)
    assert len(opened) == 6
    assert class_folders.read_images(folders, KEY) == class_folders.read_images(folders, KEY)
    assert len(opened) == 6  # both from the first check
    assert len(list((scratch / "checked-images").iterdir())) == 1

    changed = folder / "dogs" / "1.jpg"
    changed.write_bytes(changed.read_bytes()[:40])  # cut short since: checked again, and refused
    with pytest.raises(ConfigError, match="1.jpg is truncated"):
        class_folders.check_images(folders, KEY)
    assert len(opened) > 6


def test_without_a_scratch_folder_every_check_decodes(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SCRATCH_ENV, raising=False)
    opened = _checks_counted(monkeypatch)
    folders = class_folders.scan(folder, "images", KEY)
    class_folders.check_images(folders, KEY)
    class_folders.check_images(folders, KEY)
    assert len(opened) == 12


def test_an_unreadable_memo_is_checked_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCRATCH_ENV, str(tmp_path))
    folders = class_folders.scan(folder, "images", KEY)
    class_folders.check_images(folders, KEY)
    (memo,) = (tmp_path / "checked-images").iterdir()
    memo.write_text("[[4, 6]", encoding="utf-8")
    opened = _checks_counted(monkeypatch)
    assert class_folders.image_size(folders, KEY) == (4, 6)
    assert len(opened) == 6
    assert os.path.getsize(memo) > 10  # written again
