"""Write the example datasets the data-source examples read, offline, from bundled data.

    python make_data.py images digit_images    # sklearn's digits as PNG files, one folder a digit
    python make_data.py text topics            # a small made-up corpus, one folder a topic
    python make_data.py csv wine.csv           # sklearn's wine with word columns and gaps
    python make_data.py text-csv topics.csv    # the topics corpus as a CSV: text,topic

Each function writes into a folder (or file) it is given and returns it; the tests call them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def digit_images(folder: Path, rows: slice = slice(None)) -> Path:
    """sklearn's 1,797 handwritten digits (8x8, 0-16) as 8x8 grayscale PNGs (0-255), in one
    subfolder per digit, named so that the sorted class names are in digit order; ``rows``
    picks some of them (to write a separate validation folder, say)."""
    from PIL import Image
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    pixels = np.round(x.reshape(-1, 8, 8) * 255 / 16).astype("uint8")
    for index, (image, label) in enumerate(zip(pixels[rows], y[rows], strict=True)):
        subfolder = Path(folder) / f"{label}_{DIGIT_NAMES[label]}"
        subfolder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(subfolder / f"{index:04d}.png")
    return Path(folder)


TOPICS = {
    "cooking": "oven flour butter simmer recipe garlic onion bake pan salt pepper dough sauce",
    "sport": "goal match referee striker league score team coach penalty season stadium win",
    "weather": "rain cloud storm forecast wind sunny temperature snow humid frost breeze fog",
}
FILLER = "the a and of to in it is was on for with that this very then some today"


def topic_texts(folder: Path, per_class: int = 150, seed: int = 0) -> Path:
    """A small made-up corpus: one subfolder per topic of short .txt documents, each mostly
    filler words with a few of its topic's words (and, now and then, another topic's)."""
    rng = np.random.default_rng(seed)
    for topic in TOPICS:
        subfolder = Path(folder) / topic
        subfolder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            text = _topic_text(rng, topic)
            (subfolder / f"{index:04d}.txt").write_text(text + "\n", encoding="utf-8")
    return Path(folder)


def topic_table(path: Path, per_class: int = 150, seed: int = 0) -> Path:
    """The same made-up corpus as a CSV export (``text,topic``, a row per document, in
    shuffled order), the way texts usually arrive: for ``data.text``."""
    import csv

    rng = np.random.default_rng(seed)
    rows = [(_topic_text(rng, topic), topic) for topic in TOPICS for _ in range(per_class)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "topic"])
        writer.writerows(rows[i] for i in rng.permutation(len(rows)))
    return path


def _topic_text(rng: np.random.Generator, topic: str) -> str:
    """Mostly filler words with a few of the topic's words (and, now and then, another's)."""
    own = TOPICS[topic].split()
    others = [w for t, ws in TOPICS.items() if t != topic for w in ws.split()]
    pool = [FILLER.split(), own, others]
    kinds = rng.choice(3, size=int(rng.integers(8, 20)), p=[0.6, 0.33, 0.07])
    return " ".join(str(rng.choice(pool[k])) for k in kinds)


CULTIVARS = ("barolo", "grignolino", "barbera")
"""The three grape cultivars of sklearn's wine data (UCI), classes 0, 1 and 2."""


def wine_table(path: Path, gap_fraction: float = 0.05, seed: int = 0) -> Path:
    """sklearn's wine data as a CSV a person might export: the cultivar as a word (the
    target), alcohol and colour intensity as word categories, and about ``gap_fraction`` of
    the other cells empty."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {}
    for name, values in zip(wine.feature_names, wine.data.T, strict=True):
        if name in ("alcohol", "color_intensity"):
            levels = ("low", "medium", "high") if name == "alcohol" else ("pale", "mid", "deep")
            edges = np.quantile(values, [1 / 3, 2 / 3])
            columns[name] = [levels[int(np.searchsorted(edges, v))] for v in values]
        else:
            columns[name] = [f"{v:g}" for v in values]
        gaps = rng.random(len(values)) < gap_fraction
        columns[name] = ["" if gap else v for v, gap in zip(columns[name], gaps, strict=True)]
    columns["cultivar"] = [CULTIVARS[t] for t in wine.target]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(columns)]
    lines += [",".join(row) for row in zip(*columns.values(), strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MAKERS = {
    "images": digit_images,
    "text": topic_texts,
    "csv": wine_table,
    "text-csv": topic_table,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MAKERS:
        sys.exit(f"usage: python make_data.py {{{','.join(MAKERS)}}} OUTPUT")
    print(f"wrote {MAKERS[sys.argv[1]](Path(sys.argv[2]))}")
