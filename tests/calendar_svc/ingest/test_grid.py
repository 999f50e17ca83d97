"""Finding a scanned page's tilt and its tables' grid, on pages drawn here.

The pages are drawn with Pillow at 200 dpi: ruled tables of known geometry,
and bars where text would be. What the functions find is compared with what
was drawn.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from calendar_svc.ingest import grid

DPI = 200
WIDTH, HEIGHT = 1654, 2339  # A4 at 200 dpi
#: The drawn table: its columns' edges and its rows' edges, in pixels.
COLUMNS = (180, 400, 920, 1440)
ROWS = (300, 420, 700, 760)


def page_with_table(*, bottom_rule: bool = True, bottom: int = 1000) -> Image.Image:
    """A white page, a heading-like bar, and a three-column table with text bars."""
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((180, 200, 600, 230), fill=0)  # a heading
    for x in COLUMNS:
        draw.line((x, ROWS[0], x, bottom), fill=0, width=2)
    for y in (*ROWS, *([bottom] if bottom_rule else [])):
        draw.line((COLUMNS[0], y, COLUMNS[-1], y), fill=0, width=2)
    for left, right in itertools.pairwise(COLUMNS):
        for top in range(ROWS[0] + 20, bottom - 30, 40):
            draw.rectangle((left + 15, top, left + (right - left) // 2, top + 18), fill=0)
    return image


def ink(image: Image.Image) -> np.ndarray:
    return grid.despeckle(grid.ink_of(np.asarray(image)))


def test_the_grid_of_a_ruled_table_is_found_row_by_row() -> None:
    across, down = grid.rules(ink(page_with_table()), DPI)
    [table] = grid.grids(across, down, DPI)
    assert len(table.rows) == 4
    for cells in table.rows:
        edges = [edge for c in cells for edge in (c.left, c.right)]
        assert edges == pytest.approx([180, 400, 400, 920, 920, 1440], abs=3)
    tops = [cells[0].top for cells in table.rows]
    assert tops == pytest.approx([300, 420, 700, 760], abs=3)
    assert table.rows[-1][0].bottom == pytest.approx(1000, abs=3)


def test_a_table_cut_by_the_page_break_ends_where_its_vertical_lines_end() -> None:
    across, down = grid.rules(ink(page_with_table(bottom_rule=False, bottom=1200)), DPI)
    [table] = grid.grids(across, down, DPI)
    assert table.rows[-1][0].top == pytest.approx(760, abs=3)
    assert table.rows[-1][0].bottom == pytest.approx(1200, abs=3)


def test_text_alone_has_no_rules_and_no_tables() -> None:
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    for top in range(200, 1800, 40):  # words: bars up to 0.9 in wide, 18 px high
        for left in range(180, 1400, 200):
            draw.rectangle((left, top, left + 170, top + 18), fill=0)
    across, down = grid.rules(ink(image), DPI)
    assert not across.any()
    assert not down.any()
    assert grid.grids(across, down, DPI) == []


@pytest.mark.parametrize("angle", [0.6, -0.45, 0.0])
def test_a_tilted_page_is_turned_level(angle: float) -> None:
    tilted = page_with_table().rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    assert grid.skew(ink(tilted)) == pytest.approx(-angle, abs=0.05)
    levelled = grid.level(tilted)
    across, down = grid.rules(ink(levelled), DPI)
    [table] = grid.grids(across, down, DPI)
    assert len(table.rows) == 4


def test_specks_go_and_strokes_stay() -> None:
    page = np.zeros((40, 40), dtype=bool)
    page[3:5, 3:5] = True  # a 2x2 speck of dust
    page[20, 30] = True  # a one-pixel speck
    page[10:30, 15] = True  # a stroke one pixel wide
    kept = grid.despeckle(page)
    assert not kept[3:5, 3:5].any()
    assert not kept[20, 30]
    assert kept[10:30, 15].all()


def test_underlines_are_long_runs_not_letters() -> None:
    page = np.zeros((50, 400), dtype=bool)
    page[20, 10:200] = True  # an underline of about an inch
    page[30:40, 250:260] = True  # a letter
    lines = grid.underlines(page, DPI)
    assert lines[19:22, 10:200].all()
    assert not lines[30:40, 250:260].any()
