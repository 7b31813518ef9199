from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import typer

from tuner_cli.cli.common import check_output_file, locate_study
from tuner_cli.errors import UsageError
from tuner_cli.results.store import write_error

SUFFIXES = {"keras": ".keras", "tflite": ".tflite"}
"""The file each format writes must end in (a SavedModel is a folder, of any name)."""
DEFAULT_OUTPUTS = {"keras": "best.keras", "tflite": "best.tflite", "saved_model": "best_model"}


def export(
    target: str = typer.Argument(
        None, metavar="TARGET", help="Results folder, study folder or config file."
    ),
    model: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="The file to write (.keras, .tflite), or the new folder of a SavedModel "
        "(default: best.keras, best.tflite, best_model).",
        show_default=False,
    ),
    kind: str = typer.Option(
        None,
        "--format",
        help="keras (keras.models.load_model), saved_model (TF Serving: a new folder) or "
        "tflite (LiteRT, TensorFlow Lite); default: from --output's suffix, else keras.",
        show_default=False,
    ),
    retrain: bool = typer.Option(
        False,
        "--retrain",
        help="Train the configuration again on training + validation data for its best epoch "
        "count, instead of copying the model the search kept.",
    ),
    trial: int = typer.Option(None, "--trial", help="Export this trial instead of the best."),
    results: Path = typer.Option(
        Path("results"),
        "--results",
        help="Folder that holds the studies, when TARGET is not given.",
    ),
) -> None:
    """The best trial's model as a .keras file that keras.models.load_model opens, or as a
    SavedModel or a TensorFlow Lite file for serving."""
    from tuner_cli.config import load_config, load_config_text
    from tuner_cli.results.export import check_has_models, choose_trial, copy_saved_model

    kind, model = _kind_and_output(kind, model)
    store = locate_study(target, results)
    check_output_file(model)
    record = choose_trial(store, trial)
    if target is not None and Path(target).is_file():
        study = load_config(target)
    else:
        # the saved copy names builder modules and data files relative to the folder of the
        # config the search was started from, which study.json remembers
        origin = store.read_study().get("config_dir")
        study = load_config_text(
            store.saved_config_text(), store.config_file, Path(origin) if origin else None
        )
    check_has_models(study)

    def write_keras(output: Path) -> str:
        if not retrain:
            return copy_saved_model(store, record, output, study.config.models)
        from tuner_cli.training.retrain import retrain as retrain_model

        # renamed over ``output`` once whole, as the copy is: a server watching the file must
        # never load half a model (Keras names the format by the suffix, so it stays .keras)
        partial = output.with_name(f".{output.stem}.partial.keras")
        try:
            how = retrain_model(study, record, partial, int(store.read_study()["seed"]))
            os.replace(partial, output)
        except OSError as exc:
            raise write_error(f"cannot write the model to {output}", exc) from None
        finally:
            with suppress(OSError):
                partial.unlink(missing_ok=True)
        return how

    with _output_folders(model):
        if kind == "keras":
            how = write_keras(model)
        else:
            from tuner_cli.training.artifacts import write_artifact

            with tempfile.TemporaryDirectory() as folder:
                kept = Path(folder) / "model.keras"
                how = write_keras(kept)
                try:
                    write_artifact(kept, model, kind)
                except OSError as exc:
                    raise write_error(f"cannot write the model to {model}", exc) from None
            how += {"saved_model": " as a SavedModel", "tflite": " as a TensorFlow Lite model"}[
                kind
            ]
    typer.echo(f"Exported {how} to {model}")


@contextmanager
def _output_folders(output: Path) -> Iterator[None]:
    """Makes the folders ``output`` lies in, and takes back those it made when the export
    fails: ``-o exports/v2/model.keras`` then leaves no empty ``exports/v2`` behind."""
    made = [folder for folder in output.absolute().parents if not folder.exists()]
    below = output.parents[len(made)]  # the deepest folder that exists, as given
    if not below.is_dir():  # mkdir would say "File exists", of a folder that does not
        raise UsageError(f"cannot write the model to {output}: {below} is a file, not a folder")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(f"cannot write the model to {output}", exc) from None
    try:
        yield
    except BaseException:
        for folder in made:  # the deepest first
            with suppress(OSError):
                folder.rmdir()
        raise


def _kind_and_output(kind: str | None, output: Path | None) -> tuple[str, Path]:
    """The kind asked, or the one ``--output``'s suffix names, and where it goes."""
    from tuner_cli.errors import UsageError

    if kind is None:
        suffix = output.suffix if output is not None else ".keras"
        kind = next((name for name, end in SUFFIXES.items() if end == suffix), None)
        if kind is None:
            raise UsageError(
                f"--output must end in .keras or .tflite, or give --format saved_model for a "
                f"SavedModel folder (got '{output}')"
            )
    if kind not in DEFAULT_OUTPUTS:
        raise UsageError(f"--format must be keras, saved_model or tflite (got '{kind}')")
    output = output if output is not None else Path(DEFAULT_OUTPUTS[kind])
    end = SUFFIXES.get(kind)
    if end is not None and output.suffix != end:
        raise UsageError(f"--output must end in {end} for --format {kind} (got '{output}')")
    if kind == "saved_model" and output.suffix in SUFFIXES.values():
        raise UsageError(
            f"--output {output} names a {output.suffix} file; a SavedModel is a folder: give "
            "a name without that suffix (--output serving/model)"
        )
    if kind == "saved_model" and output.exists():
        raise UsageError(
            f"--output {output} exists; a SavedModel goes into a new folder (kt-run never "
            "writes into a folder it did not create)"
        )
    return kind, output
