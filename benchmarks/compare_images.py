"""Compare the static images of two report folders: the same pictures, whatever kaleido's run-to-run noise.

    python benchmarks/compare_images.py reports/before reports/after

Two renders of one figure are never byte-identical in every format, even by the same code: plotly.js
gives each SVG's clip paths, gradients and colour bars random ids, and Chromium stamps each PDF with
its creation time. This script compares what a reader sees:

- **PNG**: the bytes; when they differ, the decoded pixels (Pillow);
- **SVG**: the XML tree with plotly's random ids (runs of six or more hex digits) masked and each
  element's attributes compared as a set (their order means nothing in SVG);
- **PDF**: the bytes with ``/CreationDate`` and ``/ModDate`` masked.

It prints one line per image that differs and a summary, and exits 1 when any differs (or is missing).
Used to show that rendering every image in one browser session (``analysis.reports.figures``)
changed no picture of ``python -m analysis report``.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
_RANDOM_ID = re.compile(r"[0-9a-f]{6,}")
_PDF_DATES = re.compile(rb"/(CreationDate|ModDate) ?\(D:[^)]*\)")


def _svg_tree(data: bytes):
    """The SVG as nested (tag, attributes as a sorted tuple, text, tail, children), random ids masked."""
    def walk(e):
        attrs = tuple(sorted((k, _RANDOM_ID.sub("H", v)) for k, v in e.attrib.items()))
        return (e.tag, attrs, _RANDOM_ID.sub("H", (e.text or "").strip()), (e.tail or "").strip(),
                tuple(walk(c) for c in e))
    return walk(ET.fromstring(data))


def same_image(a: Path, b: Path) -> tuple[bool, str]:
    """Whether two image files show the same picture, and how that was decided."""
    x, y = a.read_bytes(), b.read_bytes()
    if x == y:
        return True, "bytes"
    suffix = a.suffix.lower()
    if suffix == ".png":
        import numpy as np
        from PIL import Image
        with Image.open(a) as ia, Image.open(b) as ib:
            same = ia.size == ib.size and np.array_equal(np.asarray(ia.convert("RGBA")), np.asarray(ib.convert("RGBA")))
        return same, "pixels"
    if suffix == ".svg":
        return _svg_tree(x) == _svg_tree(y), "svg tree"
    if suffix == ".pdf":
        return _PDF_DATES.sub(b"", x) == _PDF_DATES.sub(b"", y), "pdf without dates"
    return False, "bytes"


def compare(a: Path, b: Path) -> int:
    names = sorted({p.name for d in (a, b) for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES})
    how: dict[str, int] = {}
    bad = 0
    for name in names:
        if not (a / name).is_file() or not (b / name).is_file():
            print(f"only in {'before' if (a / name).is_file() else 'after'}: {name}")
            bad += 1
            continue
        same, by = same_image(a / name, b / name)
        if not same:
            print(f"differs ({by}): {name}")
            bad += 1
        else:
            how[by] = how.get(by, 0) + 1
    detail = ", ".join(f"{n} by {k}" for k, n in sorted(how.items()))
    print(f"{len(names) - bad} of {len(names)} images the same ({detail}); {bad} differing")
    return 1 if bad else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = p.parse_args(argv)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
