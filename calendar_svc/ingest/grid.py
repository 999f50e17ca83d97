"""The geometry of a scanned page: its ink, its tilt, and the grid of its tables.

A scan has no vector graphics, so the ruling lines of the note's tables are
found in the image itself, with numpy on the binarised page:

- ink is what is darker than Otsu's threshold; specks of dust (no more than
  two pixels each way, nothing else near) are removed;
- the page is turned level by the angle that makes its rows of ink sharpest
  (the projection profile: the variance of the row sums is largest when text
  lines and rules lie flat), coarse then fine;
- a ruling line is a run of ink along one axis far longer than any letter's
  stroke: ``MIN_RULE`` across, ``MIN_STROKE`` down (a table's vertical lines
  are broken only where the table is);
- a table is a set of vertical lines side by side over the same height; its
  rows are cut by the horizontal rules across it, and by the ends of its
  vertical lines where a page break cuts it without a rule.

Every length is in inches and converted with the scan's resolution.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

Mask = npt.NDArray[np.bool_]

#: Shortest horizontal ruling line (a word of text is shorter).
MIN_RULE = 1.0
#: Shortest vertical ruling line (the tallest letter is shorter).
MIN_STROKE = 0.2
#: Lines closer than this are one line (a thick or doubled rule).
NEAR = 0.04
#: Breaks in a ruling line up to this long (in pixels) are bridged: noise and
#: thresholding leave holes in a thin rule.
GAP = 2
#: Angles tried when levelling, in degrees: the coarse range and step, then the fine step.
MAX_SKEW = 2.0
COARSE_STEP = 0.1
FINE_STEP = 0.02
#: A band between two row cuts lower than this is a doubled rule, not a row.
MIN_ROW = 0.1


@dataclass(frozen=True)
class Cell:
    """A cell's box in pixels: left, top, right, bottom (exclusive)."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class Table:
    """A ruled table: its box, and its rows as lists of cells, left to right."""

    box: Cell
    rows: tuple[tuple[Cell, ...], ...]


def ink_of(grey: npt.NDArray[np.uint8]) -> Mask:
    """The dark pixels of a grey image, by Otsu's threshold.

    >>> ink_of(np.array([[0, 10, 240, 250]], dtype=np.uint8)).tolist()
    [[True, True, False, False]]
    """
    counts = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(counts)
    total = weight[-1]
    mean = np.cumsum(counts * levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight / total - mean) ** 2 / (weight * (total - weight))
    threshold = int(np.nanargmax(between))
    return grey <= threshold


def despeckle(ink: Mask) -> Mask:
    """``ink`` without specks: blobs within a 2x2 square with no other ink within two pixels.

    >>> page = np.zeros((9, 9), dtype=bool)
    >>> page[1, 1] = True  # a speck
    >>> page[4:9, 5] = True  # a stroke
    >>> despeckle(page).sum()
    np.int64(5)
    """
    # A speck's own pixels number at most 4: a pixel with more ink around it
    # belongs to something larger, and so does the ink next to it.
    core = _box_sum(ink, 2) > 4
    return ink & (_box_sum(core, 2) > 0)


def skew(ink: Mask) -> float:
    """The angle (degrees, counter-clockwise) by which to turn the page to level it."""
    small = Image.fromarray(np.where(ink, 255, 0).astype(np.uint8))
    small = small.resize((small.width // 2, small.height // 2), Image.Resampling.BOX)
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + COARSE_STEP / 2, COARSE_STEP)
    best = max(coarse, key=lambda angle: _sharpness(small, angle))
    fine = np.arange(best - COARSE_STEP, best + COARSE_STEP + FINE_STEP / 2, FINE_STEP)
    full = Image.fromarray(np.where(ink, 255, 0).astype(np.uint8))
    return float(max(fine, key=lambda angle: _sharpness(full, angle)))


def level(grey: Image.Image) -> Image.Image:
    """``grey`` turned level (see :func:`skew`), white filling the corners."""
    angle = skew(despeckle(ink_of(np.asarray(grey))))
    if abs(angle) < FINE_STEP / 2:
        return grey
    return grey.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)


def rules(ink: Mask, dpi: float) -> tuple[Mask, Mask]:
    """The pixels of horizontal and of vertical ruling lines."""
    return (
        _long_runs(_bridged(ink, GAP), round(MIN_RULE * dpi)),
        _long_runs(_bridged(ink.T, GAP), round(MIN_STROKE * dpi)).T,
    )


def grids(across: Mask, down: Mask, dpi: float) -> list[Table]:
    """The ruled tables of a page, from its horizontal and vertical rules, top to bottom."""
    near = max(1, round(NEAR * dpi))
    verticals = _vertical_lines(down, near)
    tables = []
    for group in _side_by_side(verticals):
        xs = _merged([x for x, _, _ in group], near)
        top = min(start for _, start, _ in group)
        bottom = max(end for _, _, end in group)
        if len(xs) < 2:
            continue
        left, right = xs[0], xs[-1]
        width = right - left
        band = _thickened(across[top : bottom + 1, left : right + 1])
        rows_at = np.flatnonzero(band.sum(axis=1) > width / 2)
        cuts = _merged([top + int(y) for y in rows_at], near)
        if not cuts or cuts[0] - top > near:
            cuts.insert(0, top)
        if bottom - cuts[-1] > near:
            cuts.append(bottom)
        rows = []
        for upper, lower in itertools.pairwise(cuts):
            if lower - upper < MIN_ROW * dpi:
                continue
            band = down[upper + near : lower - near + 1]
            edges = [
                x
                for x in xs
                if band.shape[0] == 0
                or band[:, max(0, x - near) : x + near + 1].any(axis=1).mean() > 0.5
            ]
            cells = tuple(Cell(a, upper, b, lower) for a, b in itertools.pairwise(edges))
            if cells:
                rows.append(cells)
        tables.append(Table(Cell(left, top, right, bottom), tuple(rows)))
    return sorted(tables, key=lambda table: table.box.top)


def underlines(ink: Mask, dpi: float) -> Mask:
    """Horizontal runs as long as a rule or a few letters' width, one row either side:
    underlined headings and table borders left in a cell, which OCR reads as letters."""
    runs = _long_runs(_bridged(ink, GAP), round(0.3 * dpi))
    return runs | np.roll(runs, 1, axis=0) | np.roll(runs, -1, axis=0)


def _sharpness(image: Image.Image, angle: float) -> float:
    turned = np.asarray(image.rotate(float(angle), resample=Image.Resampling.NEAREST))
    return float(turned.sum(axis=1, dtype=np.float64).var())


def _box_sum(mask: Mask, radius: int) -> npt.NDArray[np.int32]:
    """For each pixel, the ink in the square of ``radius`` around it (an integral image)."""
    padded = np.pad(mask, radius + 1).astype(np.int32)
    total = padded.cumsum(axis=0).cumsum(axis=1)
    size = 2 * radius + 1
    height, width = mask.shape
    return (
        total[size : size + height, size : size + width]
        - total[:height, size : size + width]
        - total[size : size + height, :width]
        + total[:height, :width]
    )


def _bridged(mask: Mask, gap: int) -> Mask:
    """Fill holes of up to ``gap`` pixels along each row."""
    result = mask.copy()
    for before in range(1, gap + 1):
        for after in range(1, gap + 2 - before):
            left = np.zeros_like(mask)
            left[:, before:] = mask[:, :-before]
            right = np.zeros_like(mask)
            right[:, :-after] = mask[:, after:]
            result |= left & right
    return result


def _thickened(mask: Mask) -> Mask:
    """``mask`` grown by a pixel across its rows: a rule still tilted a little stays whole."""
    return mask | np.roll(mask, 1, axis=0) | np.roll(mask, -1, axis=0)


def _long_runs(mask: Mask, length: int) -> Mask:
    """The pixels that belong to a run of at least ``length`` along a row."""
    if length <= 1 or mask.shape[1] < length:
        return mask.copy() if length <= 1 else np.zeros_like(mask)
    width = mask.shape[1]
    total = np.pad(mask.astype(np.int32), ((0, 0), (1, 0))).cumsum(axis=1)
    full = (total[:, length:] - total[:, :-length]) == length  # windows starting at 0..W-L
    starts = np.pad(full.astype(np.int32), ((0, 0), (1, 0))).cumsum(axis=1)
    # Pixel j is covered by a full window starting anywhere in [j - L + 1, j].
    j = np.arange(width)
    last = np.minimum(j, width - length) + 1
    first = np.maximum(j - length + 1, 0)
    return (starts[:, last] - starts[:, first]) > 0


def _vertical_lines(down: Mask, near: int) -> list[tuple[int, int, int]]:
    """Each vertical line as (x, top, bottom), its x the middle of its columns."""
    columns = np.flatnonzero(down.any(axis=0))
    lines = []
    for group in _groups(columns.tolist(), near):
        strip = down[:, group[0] : group[-1] + 1].any(axis=1)
        rows = np.flatnonzero(strip).tolist()
        for run in _groups(rows, near):
            lines.append(((group[0] + group[-1]) // 2, run[0], run[-1]))
    return lines


def _side_by_side(lines: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """Vertical lines grouped into tables: lines whose heights overlap mostly."""
    groups: list[list[tuple[int, int, int]]] = []
    for line in sorted(lines, key=lambda line: line[1]):
        _, top, bottom = line
        for group in groups:
            g_top = min(t for _, t, _ in group)
            g_bottom = max(b for _, _, b in group)
            overlap = min(bottom, g_bottom) - max(top, g_top)
            if overlap > 0.5 * min(bottom - top, g_bottom - g_top):
                group.append(line)
                break
        else:
            groups.append([line])
    return groups


def _groups(values: list[int], near: int) -> list[list[int]]:
    """Sorted values cut wherever two neighbours are more than ``near`` apart."""
    groups: list[list[int]] = []
    for value in values:
        if groups and value - groups[-1][-1] <= near:
            groups[-1].append(value)
        else:
            groups.append([value])
    return groups


def _merged(values: list[int], near: int) -> list[int]:
    """Values within ``near`` of each other, merged into their middle."""
    return [(group[0] + group[-1]) // 2 for group in _groups(sorted(values), near)]
