"""Write the Word and PDF test fixtures of the Council note from its text form.

Run from the repository root (needs python-docx, pdfplumber and LibreOffice's
``soffice`` on the PATH; CI has no LibreOffice, so the outputs are checked in)::

    .venv/bin/python tests/data/make_documents.py

It writes, next to this file:

- ``note_5484_24.docx`` / ``.pdf`` from ``note_5484_24.txt`` (the sample note);
- ``note_v2.docx`` / ``.pdf`` from ``note_v2.txt`` (the edited second version);
- ``not_a_note.docx`` / ``.pdf``: a short Council-looking note (same header
  block and footer, headings, paragraphs, a two-column table) with no "Key past
  and upcoming events" tables.

The fixtures are made without the code under test: nothing is imported from
calendar_svc, models, feeds or notifications. The text form is read here with
a deliberately simple reading (see ``parse_note``):

- the header block (up to "Contents") becomes right/left aligned paragraphs,
  ``**`` marking bold, and the "From:/To:/No. prev. doc./Subject:" lines a
  borderless two-column table;
- each contents line becomes a paragraph with a right tab stop with a dot
  leader, the page number after a tab;
- a maximal run of TAB lines in the body (blank lines inside the run allowed)
  becomes one ruled three-column table with a repeating bold header row
  "Date | Event | Outcome" and one Word row per text row; a TAB line with an
  empty first cell continues the previous row (its cells appended to the same
  columns, after a space), and a non-TAB line right after a row line (v2's cut
  "Autum" / "n 2020") continues the row too: the date cell when that cell has
  no year and the line brings one, else the row's last non-empty cell;
- the text-conversion artefacts of note_v2.txt (page furniture inside
  Nigeria's table: "9876/24 CB/mk 12", "ANNEX JAI.1 LIMITE EN", a form feed,
  a bare page number) are dropped, since a Word document never has them;
- ``<i>``/``<u>`` and ``*``/``**`` become italic/underlined/bold runs (a ``*``
  right after a word, as in "Kosovo*", is the footnote star and stays), and the
  HTML list fragment in one cell becomes one paragraph per "•" item;
- "Part N- ..." lines are Heading 1, "A. ..." lines Heading 2, short all-caps
  lines (country names) Heading 3 and "Key past and upcoming events" Heading 4,
  with the text exactly as in the file; other lines are body paragraphs.

After writing each DOCX the generator reads it back and checks that every
text row became exactly one Word row (same date, event and outcome).

The layout mimics a real Council note: A4, Times New Roman 12 pt (LibreOffice
prints it with the metric-compatible Liberation Serif), 2.5 cm margins, ruled
event tables with a narrow date column of about 2.8 cm (so dates such as
"17 December 2021" wrap onto two lines), and a running footer
"5484/24 <tab> PC/es <tab> page" over "JAI.1 <tab> LIMITE <tab> EN".

How page breaks cut rows and date cells: table rows may break across pages
(no ``w:cantSplit``), tables may split, and the paragraph style of table cells
("Table Text") switches widow/orphan control off, so LibreOffice fills each
page to its last line and cuts whatever row stands there, even between the
two lines of a two-line date. Headings keep with the next paragraph, so a
"Key past and upcoming events" heading never ends a page on its own.
The generator then opens the PDF with pdfplumber, matches the rows of the
ruled three-column tables on every page to the text rows in order (a text row
printed as several PDF row fragments was cut by a page break; a date cell with
text in two fragments was split), and requires at least 10 cut rows and at
least one split date cell per note. If the layout does not give that, it
rebuilds the note with the next date column width of ``DATE_WIDTHS_CM``
(2.8 cm first, then 2.7, 2.9, 2.6, 3.0), which changes how every row wraps and
so moves every page break, and keeps the first width that passes; if none
passes it stops with an error. (With LibreOffice 7.4 and fonts-liberation the
first width passes for both notes; each of the five widths gives 39-50 cut rows
and 7-24 split date cells.) Finally it prints a report: pages, event rows, the
three-column tables that ``page.find_tables()`` detects, cut rows and the
split date cells (page and text of each part), and the file sizes.

Determinism: the DOCX zip entries get a fixed timestamp and the core properties
fixed values; LibreOffice's PDF creation date and document id are overwritten
with fixed same-length values, so running the generator twice gives the same
bytes (with the same LibreOffice and fonts).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent

FONT = "Times New Roman"
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.5)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_CELLS = ("Date", "Event", "Outcome")

MIN_CUT_ROWS = 10
MIN_SPLIT_DATES = 1
# Widths of the date column (cm), tried in this order until the PDF cuts enough rows
# and splits a date cell; the event and outcome columns share the rest equally.
DATE_WIDTHS_CM = (2.8, 2.7, 2.9, 2.6, 3.0)

# --------------------------------------------------------------------------- model


@dataclass
class Row:
    """One event row: three cells of marked-up text, each a list of paragraphs."""

    line: int
    cells: list[list[str]]

    def plain(self, column: int) -> str:
        return " ".join(strip_markup(p) for p in self.cells[column] if p)


@dataclass
class Block:
    """A body item: ``kind`` is heading1..heading4 or para (with ``text``), or table.

    ``follows`` is true for a paragraph right after another paragraph line (no blank
    line between): ``*``/``**`` opened on the previous line may close on this one.
    """

    kind: str
    text: str = ""
    rows: list[Row] = field(default_factory=list)
    follows: bool = False


@dataclass
class NoteSource:
    """The parsed text form: header blocks, contents and body."""

    header: list[list[str]]  # blank-separated blocks of header lines
    toc: list[tuple[str, str]]  # (heading, page number)
    body: list[Block]
    dropped: list[str]  # page furniture lines that were dropped


@dataclass
class Footer:
    symbol: str
    initials: str
    unit: str = "JAI.1"


# --------------------------------------------------------------------------- reading

HEADING1 = re.compile(r"^Part \d+\s*-\s*\S")
HEADING2 = re.compile(r"^[A-Z]\. \S")
KEY_EVENTS = re.compile(r"^key past and upcoming events:?$", re.IGNORECASE)
FURNITURE = (
    re.compile(r"^\d{3,5}/\d{2}\t[A-Z]{2}/[a-z]{2}\t\d+$"),  # "9876/24\tCB/mk\t12"
    re.compile(r"^(ANNEX\t)?[A-Z]+\.\d+\tLIMITE\tEN$"),  # "ANNEX\tJAI.1\tLIMITE\tEN"
    re.compile(r"^\f\s*$"),  # form feed
    re.compile(r"^\d{1,3}$"),  # bare page number
)
YEAR = re.compile(r"\b(19|20)\d{2}\b")
TAG = re.compile(r"</?[iu]>|<ul\b[^>]*>|</ul>|\*\*|\*")


def strip_markup(text: str) -> str:
    """The text without ``**``/``*``/``<i>``/``<u>``/``<ul>`` markers (footnote stars kept)."""
    out: list[str] = []
    italic = False
    pos = 0
    for match in TAG.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        if match.group() == "*":
            if _is_footnote_star(text, match.start(), italic):
                out.append("*")
            else:
                italic = not italic
    out.append(text[pos:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _is_footnote_star(text: str, index: int, italic_open: bool) -> bool:
    """A single ``*`` right after a word ("Kosovo*") while no italics are open."""
    return not italic_open and index > 0 and (text[index - 1].isalnum() or text[index - 1] == ")")


def heading_level(line: str) -> int:
    """0 for body text, else the Word heading level of a body line."""
    if KEY_EVENTS.match(line):
        return 4
    if HEADING1.match(line):
        return 1
    if HEADING2.match(line) and len(line) < 150:
        return 2
    if len(line) <= 60 and any(c.isalpha() for c in line) and line == line.upper():
        return 3
    return 0


def parse_note(text: str) -> NoteSource:
    lines = text.split("\n")
    contents = next(i for i, line in enumerate(lines) if line.strip() == "Contents")

    header: list[list[str]] = []
    block: list[str] = []
    for line in lines[:contents]:
        if line.strip():
            block.append(line.rstrip())
        elif block:
            header.append(block)
            block = []
    if block:
        header.append(block)

    toc: list[tuple[str, str]] = []
    i = contents + 1
    while i < len(lines) and (not lines[i].strip() or re.search(r"\t\d+$", lines[i])):
        if lines[i].strip():
            heading, number = lines[i].rsplit("\t", 1)
            toc.append((heading.rstrip(".").rstrip(), number))
        i += 1

    body: list[Block] = []
    dropped: list[str] = []
    table: Block | None = None
    previous_was_row = previous_was_para = False
    for number, line in enumerate(lines[i:], start=i + 1):
        line = line.rstrip("\r")
        if any(p.match(line) for p in FURNITURE):
            dropped.append(line)
            previous_was_row = previous_was_para = False
            continue
        if not line.strip():
            previous_was_row = previous_was_para = False
            continue
        if "\t" in line:
            cells = line.split("\t")
            if len(cells) > 3:
                raise ValueError(f"line {number}: more than three cells: {line!r}")
            cells += [""] * (3 - len(cells))
            if not cells[0].strip():
                if table is None:
                    raise ValueError(f"line {number}: continuation without a row")
                row = table.rows[-1]
                for column, cell in enumerate(cells):
                    if cell.strip():
                        _append(row, column, cell.strip(), joiner=" ")
            else:
                if table is None:
                    table = Block("table")
                    body.append(table)
                table.rows.append(Row(number, [_cell_paragraphs(c) for c in cells]))
            previous_was_row, previous_was_para = True, False
            continue
        if previous_was_row and table is not None:
            _continue_cut_cell(table.rows[-1], line.strip())
            continue
        table = None
        level = heading_level(line.strip())
        if level:
            body.append(Block(f"heading{level}", line.strip()))
        else:
            body.append(Block("para", line.strip(), follows=previous_was_para))
        previous_was_para = not level
    return NoteSource(header, toc, body, dropped)


def _cell_paragraphs(cell: str) -> list[str]:
    """A cell's paragraphs: one, or one per "•" item of an HTML list fragment."""
    cell = cell.strip()
    if "<ul" not in cell:
        return [cell]
    cell = re.sub(r"</?ul\b[^>]*>", "", cell)
    head, *items = cell.split("•")
    return [p for p in [head.strip(), *(f"• {item.strip()}" for item in items)] if p]


def _append(row: Row, column: int, text: str, joiner: str) -> None:
    paragraphs = row.cells[column]
    if paragraphs and paragraphs[-1]:
        paragraphs[-1] = paragraphs[-1] + joiner + text
    else:
        row.cells[column] = [text]


def _continue_cut_cell(row: Row, text: str) -> None:
    """A non-TAB line right after a row line: the rest of a cell cut by the conversion."""
    date = row.plain(0)
    if not YEAR.search(date) and YEAR.search(text):
        column = 0
    else:
        column = max(c for c in range(3) if row.plain(c))
    last = row.cells[column][-1] if row.cells[column] else ""
    direct = bool(last) and last[-1].isalpha() and text[:1].islower()
    _append(row, column, text, joiner="" if direct else " ")


# --------------------------------------------------------------------------- writing


def set_fonts(rpr, name: str = FONT) -> None:
    """Point every script of a w:rPr at ``name`` and drop theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):
            del fonts.attrib[attr]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{script}"), name)


# The elements that may follow a child in its parent (OOXML sequence order), for _child().
SUCCESSORS = {
    "w:pBdr": (
        *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap"),
        *("w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi"),
        *("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing"),
        *("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
        *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr"),
        "w:pPrChange",
    ),
    "w:tblW": (
        *("w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout"),
        *("w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
    ),
    "w:tblBorders": (
        *("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"),
        *("w:tblDescription", "w:tblPrChange"),
    ),
    "w:tblHeader": ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange"),
}


def _child(parent, tag: str):
    """The ``tag`` child of ``parent``, added in schema order if missing."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        if tag in SUCCESSORS:
            parent.insert_element_before(element, *SUCCESSORS[tag])
        else:
            parent.append(element)
    return element


def setup_styles(document) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr)
    rpr.find(qn("w:sz")).set(qn("w:val"), "24")
    rpr.find(qn("w:szCs")).set(qn("w:val"), "24")
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-GB")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(0)

    body = styles.add_style("Council Body", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.space_before = Pt(6)
    body.paragraph_format.space_after = Pt(6)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    for level, before in ((1, 18), (2, 12), (3, 12), (4, 12)):
        style = styles[f"Heading {level}"]
        set_fonts(style.element.get_or_add_rPr())
        font = style.font
        font.size = Pt(12)
        font.bold = True
        font.italic = False
        font.underline = level == 3
        font.color.rgb = RGBColor(0, 0, 0)
        color = style.element.rPr.find(qn("w:color"))
        for attr in (qn("w:themeColor"), qn("w:themeShade")):
            color.attrib.pop(attr, None)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True

    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.paragraph_format.space_before = Pt(0)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.widow_control = False  # lets a two-line date split

    toc = styles.add_style("Contents Entry", WD_STYLE_TYPE.PARAGRAPH)
    toc.base_style = normal
    toc.paragraph_format.space_after = Pt(3)
    toc.paragraph_format.tab_stops.add_tab_stop(
        TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )

    footer = styles["Footer"]
    footer.font.size = Pt(10)


def setup_page(document, footer: Footer) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN
    section.header_distance = section.footer_distance = Cm(1.25)

    part = section.footer
    first, second = part.paragraphs[0], part.add_paragraph()
    for paragraph in (first, second):
        paragraph.style = document.styles["Footer"]
        stops = paragraph.paragraph_format.tab_stops
        stops.add_tab_stop(Cm(7.5), WD_TAB_ALIGNMENT.LEFT)
        stops.add_tab_stop(Cm(11.5), WD_TAB_ALIGNMENT.LEFT)
        stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _border(first, "top")
    first.add_run(f"{footer.symbol}\t{footer.initials}\t\t")
    _add_page_field(first)
    second.add_run(f"\t{footer.unit}\tLIMITE\tEN")


def _border(paragraph, side: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = _child(ppr, "w:pBdr")
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", "4"), ("space", "4"), ("color", "auto")):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def _add_page_field(paragraph) -> None:
    """A PAGE field: begin, instruction, separate, cached result, end."""

    def field_char(kind: str):
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        return char

    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._r.append(field_char("begin"))
    paragraph.add_run()._r.append(instruction)
    paragraph.add_run()._r.append(field_char("separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(field_char("end"))


class Inline:
    """Turns marked-up text into runs; bold/italic state can span lines."""

    def __init__(self) -> None:
        self.bold = self.italic = self.underline = False

    def add(self, paragraph, text: str) -> None:
        pos = 0
        for match in TAG.finditer(text):
            self._run(paragraph, text[pos : match.start()])
            pos = match.end()
            tag = match.group()
            if tag == "**":
                self.bold = not self.bold
            elif tag == "*":
                if _is_footnote_star(text, match.start(), self.italic):
                    self._run(paragraph, "*")
                else:
                    self.italic = not self.italic
            elif tag in ("<i>", "</i>"):
                self.italic = tag == "<i>"
            elif tag in ("<u>", "</u>"):
                self.underline = tag == "<u>"
        self._run(paragraph, text[pos:])

    def _run(self, paragraph, text: str) -> None:
        if not text:
            return
        run = paragraph.add_run(text)
        if self.bold:
            run.bold = True
        if self.italic:
            run.italic = True
        if self.underline:
            run.underline = True


def add_paragraph(container, text: str, style: str, inline: Inline | None = None, **fmt):
    paragraph = container.add_paragraph(style=style)
    (inline or Inline()).add(paragraph, text)
    for key, value in fmt.items():
        setattr(paragraph.paragraph_format, key, value)
    return paragraph


def _table_borders(table, value: str) -> None:
    tbl_pr = table._tbl.tblPr
    borders = _child(tbl_pr, "w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = _child(borders, f"w:{side}")
        edge.set(qn("w:val"), value)
        if value != "nil":
            edge.set(qn("w:sz"), "4")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "auto")


def new_table(document, widths: list[int], ruled: bool):
    table = document.add_table(rows=0, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # w:tblLayout fixed
    tbl_pr = table._tbl.tblPr
    tbl_w = _child(tbl_pr, "w:tblW")
    tbl_w.set(qn("w:w"), str(sum(widths) // 635))
    tbl_w.set(qn("w:type"), "dxa")
    _table_borders(table, "single" if ruled else "nil")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    return table


def add_row(table, widths: list[int], cells: list[list[str]], header: bool = False) -> None:
    row = table.add_row()
    if header:
        _child(row._tr.get_or_add_trPr(), "w:tblHeader")
    for cell, width, paragraphs in zip(row.cells, widths, cells, strict=True):
        cell.width = width
        first = cell.paragraphs[0]
        first.style = "Table Text"
        for index, text in enumerate(paragraphs or [""]):
            paragraph = first if index == 0 else cell.add_paragraph(style="Table Text")
            inline = Inline()
            inline.bold = header
            inline.add(paragraph, text)


def add_event_table(document, rows: list[Row], date_width: int) -> None:
    event_width = (TEXT_WIDTH - date_width) // 2
    widths = [date_width, event_width, TEXT_WIDTH - date_width - event_width]
    table = new_table(document, widths, ruled=True)
    add_row(table, widths, [[c] for c in HEADER_CELLS], header=True)
    for row in rows:
        add_row(table, widths, row.cells)


def add_header_block(document, header: list[list[str]], symbol: str) -> None:
    """The cover page: institution, date, symbol, codes, NOTE, routing slip, then the annex title.

    Each line of the text form stays one paragraph; ``**`` spans lines within a block.
    """
    inline = Inline()
    right = WD_ALIGN_PARAGRAPH.RIGHT
    after_routing = False  # past "Delegations will find attached ..."
    for block in header:
        first = block[0].lstrip("*")
        if "\t" in block[0]:  # From: / To: / No. prev. doc.: / Subject:
            widths = [Cm(3.5), TEXT_WIDTH - Cm(3.5)]
            table = new_table(document, widths, ruled=False)
            for line in block:
                add_row(table, widths, [[cell] for cell in line.split("\t", 1)])
            add_paragraph(document, "", "Normal")
        elif first.startswith("Council of the"):
            for line in block:
                add_paragraph(document, line, "Normal", inline).runs[0].font.size = Pt(14)
            add_paragraph(document, "", "Normal")
        elif first.startswith("Brussels"):
            for line in block:
                add_paragraph(document, line, "Normal", inline, alignment=right)
            add_paragraph(document, "", "Normal")
        elif first in (symbol, "LIMITE", "NOTE"):
            paragraph = add_paragraph(
                document,
                first,
                "Normal",
                alignment=WD_ALIGN_PARAGRAPH.LEFT if first == "NOTE" else right,
                space_after=Pt(12),
            )
            paragraph.runs[0].bold = True
            paragraph.runs[0].font.size = Pt(12 if first == "LIMITE" else 14)
        elif first.startswith("Delegations"):
            for line in block:
                add_paragraph(document, line, "Council Body", inline)
            after_routing = True
        elif first.isupper() and block[0].startswith("**"):
            if after_routing:  # the title of the annex, on a new page
                for index, line in enumerate(block):
                    add_paragraph(
                        document,
                        line,
                        "Normal",
                        inline,
                        alignment=WD_ALIGN_PARAGRAPH.CENTER,
                        page_break_before=index == 0,
                    )
                add_paragraph(document, "", "Normal")
            else:  # subject codes
                for line in block:
                    add_paragraph(document, line, "Normal", inline)
                add_paragraph(document, "", "Normal")
        else:  # "Last update February 2024"
            for line in block:
                add_paragraph(
                    document, line, "Council Body", inline, alignment=WD_ALIGN_PARAGRAPH.CENTER
                )


def add_contents(document, toc: list[tuple[str, str]]) -> None:
    paragraph = add_paragraph(
        document, "Contents", "Normal", space_before=Pt(12), space_after=Pt(12)
    )
    paragraph.runs[0].bold = True
    for heading, number in toc:
        level = heading_level(heading)
        paragraph = add_paragraph(document, f"{heading}\t{number}", "Contents Entry")
        paragraph.paragraph_format.left_indent = Cm({1: 0, 2: 0.5}.get(level, 1.0))
    add_paragraph(document, "", "Normal")


def add_body(document, body: list[Block], date_width: int) -> None:
    inline = Inline()
    for block in body:
        if block.kind == "table":
            add_event_table(document, block.rows, date_width)
            inline = Inline()
        elif block.kind.startswith("heading"):
            level = int(block.kind[-1])
            add_paragraph(document, block.text, f"Heading {level}")
            inline = Inline()
        else:
            if not block.follows:
                inline = Inline()
            add_paragraph(document, block.text, "Council Body", inline)


def set_properties(document, title: str, when: dt.datetime) -> None:
    props = document.core_properties
    props.title = title
    props.subject = title
    props.author = "General Secretariat of the Council"
    props.last_modified_by = "General Secretariat of the Council"
    props.comments = "Test fixture written by tests/data/make_documents.py"
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = when
    props.modified = when
    props.last_printed = when


def save_deterministic(document, path: Path) -> None:
    """Save with fixed zip timestamps so that reruns give identical bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- notes


@dataclass
class Spec:
    """One note to write: its text form, footer and document date."""

    stem: str
    source: Path
    footer: Footer
    when: dt.datetime


def build_note(spec: Spec, note: NoteSource, date_width: int, path: Path) -> None:
    document = Document()
    setup_styles(document)
    setup_page(document, spec.footer)
    add_header_block(document, note.header, spec.footer.symbol)
    add_contents(document, note.toc)
    add_body(document, note.body, date_width)
    subject = next(
        line.split("\t", 1)[1] for block in note.header for line in block if line.startswith("Subj")
    )
    set_properties(document, subject, spec.when)
    save_deterministic(document, path)


def check_docx_rows(path: Path, note: NoteSource) -> int:
    """Every text row is exactly one Word row, in order, with the same cell texts."""
    expected = [row for block in note.body if block.kind == "table" for row in block.rows]
    found: list[tuple[str, str, str]] = []
    document = Document(str(path))
    for table in document.tables:
        if len(table.columns) != 3:
            continue
        for row in table.rows:
            cells = tuple(" ".join(p.text for p in c.paragraphs).strip() for c in row.cells)
            if cells != HEADER_CELLS:
                found.append(cells)
    if len(found) != len(expected):
        raise SystemExit(f"{path.name}: {len(found)} Word rows for {len(expected)} text rows")
    for row, cells in zip(expected, found, strict=True):
        want = tuple(row.plain(c) for c in range(3))
        if tuple(re.sub(r"\s+", " ", c) for c in cells) != want:
            raise SystemExit(f"{path.name}: line {row.line}: Word row {cells!r} != {want!r}")
    return len(found)


# --------------------------------------------------------------------------- not a note

NOT_A_NOTE_SUBJECT = (
    "Working Party on Integration, Migration and Expulsion - Work programme of the "
    "Presidency (January - June 2024)"
)
NOT_A_NOTE_DATE = dt.datetime(2024, 1, 10, 9, 0, 0)
NOT_A_NOTE = [
    (
        "para",
        "Delegations will find below the work programme of the Presidency for the "
        "Working Party on Integration, Migration and Expulsion (IMEX) for the first half of 2024.",
    ),
    ("heading1", "I. INTRODUCTION"),
    (
        "para",
        "The Presidency intends to take forward the work on the legislative files in the "
        "field of return and legal migration, and to continue the exchanges of views on the "
        "implementation of the existing instruments. The Working Party will meet in its "
        "admission and expulsion configurations, as indicated below.",
    ),
    (
        "para",
        "The dates and the agendas are indicative and may be adapted to the progress of "
        "the negotiations. Delegations will be informed in good time of any change.",
    ),
    ("heading1", "II. PRIORITIES"),
    ("heading2", "A. Legal migration"),
    (
        "para",
        "The Presidency will seek to conclude the negotiations on the recast of the "
        "Single Permit Directive and to advance the work on the recast of the Long-Term "
        "Residents Directive, with a view to reaching a general approach.",
    ),
    ("heading2", "B. Return"),
    (
        "para",
        "The Presidency will continue the work on the recast of the Return Directive "
        "and will organise an exchange of views on the use of the mechanism under Article 25a "
        "of the Visa Code.",
    ),
    ("heading1", "III. INDICATIVE CALENDAR"),
    (
        "table",
        [
            ("Meeting", "Main items"),
            (
                "IMEX (Admission), 16 January 2024",
                "Presentation of the work programme; "
                "Single Permit Directive: state of play of the trilogues",
            ),
            (
                "IMEX (Expulsion), 30 January 2024",
                "Return Directive: exchange of views on the border procedure",
            ),
            (
                "IMEX (Admission), 13 February 2024",
                "Long-Term Residents Directive: examination of the Presidency compromise text",
            ),
            (
                "IMEX (Expulsion), 5 March 2024",
                "Implementation of Article 25a of the Visa Code: Commission assessment",
            ),
            (
                "IMEX (Admission), 9 April 2024",
                "Long-Term Residents Directive: preparation of the general approach",
            ),
            (
                "IMEX (Expulsion), 21 May 2024",
                "Exchange of views on return sponsorship and voluntary return and reintegration",
            ),
        ],
    ),
    ("heading1", "IV. CONCLUSION"),
    (
        "para",
        "Delegations are invited to take note of the work programme and to send any "
        "comments to the Presidency and to the General Secretariat of the Council by "
        "31 January 2024.",
    ),
]


def build_not_a_note(path: Path) -> None:
    footer = Footer("5190/24", "MS/ek")
    header = [
        ["Council of the", "European Union"],
        ["**Brussels, 10 January 2024", "(OR. en)**"],
        [footer.symbol],
        ["LIMITE"],
        ["**MIGR 2", "JAI 21", "ASIM 1**"],
        ["NOTE"],
        [
            "From:\tPresidency",
            "To:\tWorking Party on Integration, Migration and Expulsion",
            f"Subject:\t{NOT_A_NOTE_SUBJECT}",
        ],
    ]
    document = Document()
    setup_styles(document)
    setup_page(document, footer)
    add_header_block(document, header, footer.symbol)
    for kind, content in NOT_A_NOTE:
        if kind == "table":
            widths = [Cm(6.0), TEXT_WIDTH - Cm(6.0)]
            table = new_table(document, widths, ruled=True)
            head, *rows = content
            add_row(table, widths, [[c] for c in head], header=True)
            for row in rows:
                add_row(table, widths, [[c] for c in row])
        elif kind == "para":
            add_paragraph(document, content, "Council Body")
        else:
            add_paragraph(document, content, f"Heading {kind[-1]}")
    set_properties(document, NOT_A_NOTE_SUBJECT, NOT_A_NOTE_DATE)
    save_deterministic(document, path)


# --------------------------------------------------------------------------- PDF


def to_pdf(docx: Path, pdf: Path, when: dt.datetime) -> None:
    """Print ``docx`` to ``pdf`` with a throwaway LibreOffice profile."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice (LibreOffice) is needed to write the PDF fixtures")
    with tempfile.TemporaryDirectory(prefix="make_documents_") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        data = Path(outdir, docx.stem + ".pdf").read_bytes()
    pdf.write_bytes(fix_pdf_metadata(data, when))


def _zeros(match: re.Match[bytes]) -> bytes:
    return b"0" * len(match.group())


def fix_pdf_metadata(data: bytes, when: dt.datetime) -> bytes:
    """Overwrite the creation date, document id and checksum with fixed same-length values."""
    stamp = when.strftime("%Y%m%d%H%M%S").encode()

    def date(match: re.Match[bytes]) -> bytes:
        return match.group(1) + stamp + match.group(2)

    data = re.sub(rb"(/(?:CreationDate|ModDate)\(D:)\d{14}([^)]*\))", date, data)
    head, sep, trailer = data.rpartition(b"trailer")
    trailer = re.sub(rb"(?<=<)[0-9A-Fa-f]+(?=>)", _zeros, trailer)  # the /ID strings
    trailer = re.sub(rb"(?<=/DocChecksum /)[0-9A-Fa-f]+", _zeros, trailer)
    return head + sep + trailer


@dataclass
class Fragment:
    page: int
    cells: list[str]


@dataclass
class Layout:
    pages: int
    tables: int  # three-column tables found by page.find_tables()
    cut_rows: list[tuple[Row, list[Fragment]]]
    split_dates: list[tuple[Row, list[Fragment]]]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\ufb01", "fi").replace("\ufb02", "fl"))


def pdf_fragments(pdf: Path) -> tuple[int, int, list[Fragment]]:
    """Rows of the ruled three-column tables, page by page, header rows left out."""
    fragments: list[Fragment] = []
    tables = 0
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for table in page.find_tables():
                rows = table.extract()
                if not rows or len(rows[0]) != 3:
                    continue
                tables += 1
                for cells in rows:
                    texts = [c or "" for c in cells]
                    if tuple(t.strip() for t in texts) == HEADER_CELLS:
                        continue
                    fragments.append(Fragment(number, texts))
        return len(doc.pages), tables, fragments


def analyse_pdf(pdf: Path, note: NoteSource) -> Layout:
    """Match the PDF's table rows to the text rows; find cut rows and split dates."""
    pages, tables, fragments = pdf_fragments(pdf)
    rows = [row for block in note.body if block.kind == "table" for row in block.rows]
    feed: Iterator[Fragment] = iter(fragments)
    cut: list[tuple[Row, list[Fragment]]] = []
    split: list[tuple[Row, list[Fragment]]] = []
    for row in rows:
        want = [squash(row.plain(c)) for c in range(3)]
        have = ["", "", ""]
        parts: list[Fragment] = []
        while have != want:
            fragment = next(feed, None)
            if fragment is None:
                raise SystemExit(f"{pdf.name}: PDF rows end before line {row.line}")
            parts.append(fragment)
            have = [h + squash(c) for h, c in zip(have, fragment.cells, strict=True)]
            if not all(w.startswith(h) for w, h in zip(want, have, strict=True)):
                raise SystemExit(
                    f"{pdf.name}: line {row.line}: PDF row {fragment.cells!r} "
                    f"on page {fragment.page} does not match {want!r}"
                )
        if len(parts) > 1:
            cut.append((row, parts))
            if sum(1 for p in parts if p.cells[0].strip()) > 1:
                split.append((row, parts))
    leftover = list(feed)
    if leftover:
        raise SystemExit(f"{pdf.name}: {len(leftover)} PDF rows left after the last text row")
    return Layout(pages, tables, cut, split)


def report(name: str, layout: Layout, date_cm: float, word_tables: int, word_rows: int) -> None:
    print(
        f"{name}: {layout.pages} pages, {word_tables} event tables with {word_rows} rows, "
        f"date column {date_cm} cm"
    )
    print(f"  3-column ruled tables found by pdfplumber find_tables(): {layout.tables}")
    print(f"  rows cut by a page break: {len(layout.cut_rows)}")
    for row, parts in layout.split_dates:
        texts = " | ".join(f"p.{p.page}: {p.cells[0].strip()!r}" for p in parts if p.cells[0])
        print(f"  split date cell (line {row.line}): {texts}")


def make_note(spec: Spec) -> None:
    note = parse_note(spec.source.read_text(encoding="utf-8"))
    docx = HERE / f"{spec.stem}.docx"
    pdf = HERE / f"{spec.stem}.pdf"
    if note.dropped:
        print(f"{spec.source.name}: dropped page furniture {note.dropped!r}")
    for date_cm in DATE_WIDTHS_CM:
        build_note(spec, note, Cm(date_cm), docx)
        word_rows = check_docx_rows(docx, note)
        to_pdf(docx, pdf, spec.when)
        layout = analyse_pdf(pdf, note)
        if len(layout.cut_rows) >= MIN_CUT_ROWS and len(layout.split_dates) >= MIN_SPLIT_DATES:
            tables = sum(1 for block in note.body if block.kind == "table")
            report(spec.stem, layout, date_cm, tables, word_rows)
            return
        print(
            f"{spec.stem}: a {date_cm} cm date column gives {len(layout.cut_rows)} cut rows "
            f"and {len(layout.split_dates)} split date cells; trying the next width"
        )
    raise SystemExit(f"{spec.stem}: no date column width splits a date cell across pages")


def main() -> None:
    make_note(
        Spec(
            "note_5484_24",
            HERE / "note_5484_24.txt",
            Footer("5484/24", "PC/es"),
            dt.datetime(2024, 2, 6, 9, 0, 0),
        )
    )
    make_note(
        Spec(
            "note_v2",
            HERE / "note_v2.txt",
            Footer("9876/24", "CB/mk"),
            dt.datetime(2024, 5, 15, 9, 0, 0),
        )
    )
    docx, pdf = HERE / "not_a_note.docx", HERE / "not_a_note.pdf"
    build_not_a_note(docx)
    to_pdf(docx, pdf, NOT_A_NOTE_DATE)
    pages, tables, _ = pdf_fragments(pdf)
    with pdfplumber.open(pdf) as doc:
        found = sum(len(page.find_tables()) for page in doc.pages)
    print(f"not_a_note: {pages} pages, {found} ruled tables ({tables} with three columns)")
    for path in sorted(HERE.glob("*.docx")) + sorted(HERE.glob("*.pdf")):
        print(f"  {path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
