"""The style sheet's colours meet WCAG 2.1 AA contrast (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import calendar_svc

CSS = Path(calendar_svc.__file__).parent / "static" / "style.css"


def colours() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", CSS.read_text()).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root)) | {"white": "#ffffff"}


def luminance(hex_colour: str) -> float:
    """Relative luminance, as WCAG 2.1 defines it."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("ink", "bg"),
        ("ink", "panel"),
        ("muted", "bg"),
        ("muted", "panel"),
        ("accent", "bg"),
        ("white", "accent"),  # the header and buttons
        ("firm", "firm-bg"),
        ("approx", "approx-bg"),
        ("tent", "tent-bg"),
        ("off", "off-bg"),
        # The series' states (calendar_svc/templates/_macros.html, state_badge).
        ("accent", "ontrack-bg"),
        ("stalled", "stalled-bg"),
    ],
)
def test_text_colours_have_enough_contrast(text: str, background: str) -> None:
    palette = colours()
    assert contrast(palette[text], palette[background]) >= 4.5


def test_the_contrast_formula_matches_wcags_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
