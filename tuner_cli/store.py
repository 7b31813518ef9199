"""The results directory; the only code that writes it.

Layout: ``config.yaml``, ``study.json``, ``trials/trial_0001.json``, ``models/``. Every file is
written to a temporary name, synced and renamed over the old one, so a crash or a kill leaves
either the old file or the new one, never half of either.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tuner_cli.errors import KtRunError
from tuner_cli.trial import TrialRecord

TRIAL_GLOB = "trial_*.json"
SYNC_WINDOW_S = 0.05
LOCK_NAME = ".lock"


class StoreError(KtRunError):
    """The results directory cannot be written or read as a study."""

    exit_code = 2


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write, then rename over ``path``: a kill leaves the old file or the new one.

    ``durable`` also syncs the file and its folder, so the new file survives a power cut; it
    costs about a millisecond, which a search writing hundreds of instant trials a second
    spends only on what must not be lost. The temporary name is fixed per process, since
    one process holds the study's lock and writes one file at a time.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


class BackgroundSync:
    """Syncs finished trial records to disk on a thread of its own, a few at a time.

    The record is complete on disk (renamed into place) before the driver moves on, so a
    killed search loses nothing; the sync only makes it survive a power cut as well, at most
    ``SYNC_WINDOW_S`` later. Syncing each record in the driver's own loop cost 2-5 ms of
    waiting per trial, which at dozens of trials a second left workers idle. ``flush`` waits
    for everything queued so far.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._waiting = 0
        self._thread: threading.Thread | None = None

    def add(self, path: Path) -> None:
        with self._idle:
            self._waiting += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kt-run-sync", daemon=True)
                self._thread.start()
        self._queue.put(path)

    def flush(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._waiting == 0)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # each sync commits the file system's journal, and creating a file (the next
            # record) waits for a commit under way: one commit per window, not per record
            time.sleep(SYNC_WINDOW_S)
            while not self._queue.empty():
                batch.append(self._queue.get())
            for path in batch:
                _fsync_path(path)
            for folder in {path.parent for path in batch}:
                _fsync_dir(folder)
            with self._idle:
                self._waiting -= len(batch)
                self._idle.notify_all()


def _fsync_path(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_records_sync = BackgroundSync()
atexit.register(_records_sync.flush)


class StudyStore:
    """One study's directory: ``<output>/<name>/``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.trials_dir = self.root / "trials"
        self.models_dir = self.root / "models"
        self.checkpoints_dir = self.root / "checkpoints"
        self.warnings: list[str] = []

    @property
    def study_file(self) -> Path:
        return self.root / "study.json"

    @property
    def config_file(self) -> Path:
        return self.root / "config.yaml"

    def exists(self) -> bool:
        return self.study_file.is_file()

    def create(self, config_text: str, study: dict[str, Any], overwrite: bool = False) -> None:
        """Start a new study; ``overwrite`` removes what an earlier run left."""
        try:
            if overwrite and self.root.exists():
                self._remove_contents()
            self.trials_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.config_file, config_text)
            self.write_study({**study, "created_at": now_iso()})
        except OSError as exc:
            raise StoreError(f"cannot write the results directory {self.root}: {exc}") from None

    def _remove_contents(self) -> None:
        """Everything but ``.lock``: the running search holds it, and flock is on that file."""
        for path in self.root.iterdir():
            if path.name == LOCK_NAME:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()

    def remove_partial_writes(self) -> list[str]:
        """Delete the temporary files a killed search left mid-write; their targets are intact.

        Only safe while holding the study lock, when no other search is writing.
        """
        removed = []
        for folder in (self.root, self.trials_dir, self.models_dir, self.checkpoints_dir):
            if folder.is_dir():
                for path in folder.glob(".*.tmp"):
                    path.unlink(missing_ok=True)
                    removed.append(path.name)
        return removed

    def read_study(self) -> dict[str, Any]:
        try:
            return json.loads(self.study_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{self.root} is not a study (no study.json)") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {self.study_file}: {exc}") from None

    def write_study(self, study: dict[str, Any]) -> None:
        try:
            atomic_write_text(
                self.study_file, json.dumps({**study, "updated_at": now_iso()}, indent=2) + "\n"
            )
        except OSError as exc:
            raise StoreError(f"cannot write {self.study_file}: {exc}") from None

    def saved_config_text(self) -> str:
        try:
            return self.config_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot read the study's config {self.config_file}: {exc}") from None

    def trial_path(self, trial_id: int) -> Path:
        return self.trials_dir / f"trial_{trial_id:04d}.json"

    def write_trial(self, record: TrialRecord) -> None:
        """A finished trial's record is synced in the background (``BackgroundSync``); a
        running one's not at all: losing it to a power cut loses no result."""
        path = self.trial_path(record.id)
        try:
            atomic_write_text(path, json.dumps(record.to_dict(), indent=2) + "\n", durable=False)
            if record.status.is_finished():
                _records_sync.add(path)
        except OSError as exc:
            raise StoreError(
                f"cannot write trial {record.id} to {self.trials_dir}: {exc}"
            ) from None

    def load_trials(self) -> list[TrialRecord]:
        """Every readable record, by id; an unreadable or foreign file is skipped with a warning."""
        records: dict[int, TrialRecord] = {}
        self.warnings = []
        if not self.trials_dir.is_dir():
            return []
        for path in sorted(self.trials_dir.glob(TRIAL_GLOB)):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError(f"not a trial record (a JSON {type(data).__name__})")
                record = TrialRecord.from_dict(data)
            except (OSError, ValueError, TypeError, KeyError) as exc:
                self.warnings.append(f"skipped {path.name}: {exc}")
                continue
            if path.name != self.trial_path(record.id).name:
                self.warnings.append(f"skipped {path.name}: it holds trial {record.id}")
                continue
            records[record.id] = record
        return [records[i] for i in sorted(records)]

    def flush(self) -> None:
        """Wait until every finished record written so far is synced to disk."""
        _records_sync.flush()

    def model_path(self, trial_id: int) -> Path:
        return self.models_dir / f"trial_{trial_id:04d}.keras"

    def save_model(self, trial_id: int, data: bytes, keep_only: bool = False) -> None:
        """Write a trial's model; ``keep_only`` removes every other saved model afterwards."""
        path = self.model_path(trial_id)
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise StoreError(f"cannot save the model of trial {trial_id}: {exc}") from None
        if keep_only:
            for other in self.models_dir.glob("trial_*.keras"):
                if other != path:
                    other.unlink(missing_ok=True)

    def checkpoint_path(self, trial_id: int, epochs: int) -> Path:
        """Named by the epochs trained, so a checkpoint never passes for a different point."""
        return self.checkpoints_dir / f"trial_{trial_id:04d}.epoch_{epochs:04d}.keras"

    def save_checkpoint(self, trial_id: int, epochs: int, data: bytes) -> None:
        """Where a trial that may be continued stopped (weights and optimizer state)."""
        try:
            atomic_write_bytes(self.checkpoint_path(trial_id, epochs), data)
        except OSError as exc:
            raise StoreError(f"cannot save a checkpoint of trial {trial_id}: {exc}") from None

    def load_checkpoint(self, trial_id: int, epochs: int) -> bytes | None:
        try:
            return self.checkpoint_path(trial_id, epochs).read_bytes()
        except FileNotFoundError:
            return None

    def keep_checkpoints(self, keep: dict[int, int]) -> None:
        """Remove every checkpoint but ``{trial_id: epochs}``'s, once nothing can continue them."""
        if not self.checkpoints_dir.is_dir():
            return
        wanted = {self.checkpoint_path(i, e).name for i, e in keep.items()}
        for path in self.checkpoints_dir.glob("trial_*.keras"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
