"""Write the example datasets the data-source examples read, offline, from bundled data.

    python make_data.py images digit_images    # sklearn's digits as PNG files, one folder a digit

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


MAKERS = {"images": digit_images}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MAKERS:
        sys.exit(f"usage: python make_data.py {{{','.join(MAKERS)}}} OUTPUT")
    print(f"wrote {MAKERS[sys.argv[1]](Path(sys.argv[2]))}")
