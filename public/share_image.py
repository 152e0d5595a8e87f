"""The share image of a published claim (its Open Graph and Twitter card image): a 1200x630 PNG with the site's
name, the claim, its verdict in the verdict badge's colour and the date it was checked, drawn with Pillow.

Pillow's own font (ImageFont.load_default with a size, Pillow >= 10.1) needs no font installed on the machine.
The verdict colours are read from the site's stylesheet, the one home of the badges' colours.
"""

import functools
import hashlib
import io
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from claims import verdicts
from claims.workflow import Status

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
INK, MUTED, PAPER, TINT = "#1b1d21", "#4d5360", "#ffffff", "#f4f5f7"
# Drawn as "Retracted", in the colour of an unrated claim.
RETRACTED = "retracted"
# Bump when the drawing changes, so that cached images are drawn again.
DRAWING_VERSION = 1

STYLESHEET = Path(__file__).resolve().parent / "static" / "claims" / "site.css"
_COLOUR = re.compile(r"--v-([a-z_]+):\s*(#[0-9a-fA-F]{6})\s*;")


@functools.cache
def verdict_colours() -> dict[str, str]:
    """Each verdict's badge colour, as site.css defines it (--v-<verdict>)."""
    return dict(_COLOUR.findall(STYLESHEET.read_text(encoding="utf-8")))


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Lines of text no wider than width, broken between words (and inside a word too long for a line)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while draw.textlength(word, font=font) > width:
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, height: int) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """The claim's lines at the largest size that fits the box, shortened with an ellipsis at the smallest."""
    quoted = f"“{' '.join(text.split())}”"
    for size in (60, 54, 48, 42, 38):
        font = _font(size)
        lines = _wrap(draw, quoted, font, width)
        if len(lines) * round(size * 1.25) <= height:
            return lines, font
    most = height // round(size * 1.25)
    lines = lines[:most]
    last = lines[-1] + " "  # the last line is cut at a word if it can be
    while last and draw.textlength(last.rstrip() + "…”", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last.rstrip() else last[:-1]
    lines[-1] = last.rstrip(" ,;:") + "…”"
    return lines, font


def draw(*, text: str, verdict: str, label: str, checked: str) -> bytes:
    """The PNG of a claim's share image. verdict: a verdict value, or RETRACTED."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    canvas = ImageDraw.Draw(image)
    colours = verdict_colours()
    colour = colours.get(verdict) or colours.get(verdicts.Verdict.UNVERIFIED, MUTED)

    # The site's name on a band of ink, with the verdict's colour under it.
    canvas.rectangle((0, 0, WIDTH, 96), fill=INK)
    canvas.rectangle((0, 96, WIDTH, 108), fill=colour)
    canvas.text((MARGIN, 48), settings.SITE_NAME, font=_font(40), fill=PAPER, anchor="lm")
    canvas.text((WIDTH - MARGIN, 48), "Fact check", font=_font(30), fill="#c9ccd3", anchor="rm")

    # The verdict, as its badge: white on its colour.
    verdict_font = _font(52)
    badge_top, badge_height = HEIGHT - 170, 84
    badge_width = int(canvas.textlength(label, font=verdict_font)) + 64
    canvas.rounded_rectangle(
        (MARGIN, badge_top, MARGIN + badge_width, badge_top + badge_height), radius=12, fill=colour
    )
    canvas.text((MARGIN + 32, badge_top + badge_height // 2), label, font=verdict_font, fill=PAPER, anchor="lm")
    if checked:
        canvas.text(
            (MARGIN + badge_width + 32, badge_top + badge_height // 2),
            checked,
            font=_font(32),
            fill=MUTED,
            anchor="lm",
        )

    # The claim, between the band and the verdict.
    top, bottom = 150, badge_top - 36
    lines, font = _fit(canvas, text, WIDTH - 2 * MARGIN, bottom - top)
    step = round(font.size * 1.25)
    for i, line in enumerate(lines):
        canvas.text((MARGIN, top + i * step), line, font=font, fill=INK)

    canvas.rectangle((0, HEIGHT - 40, WIDTH, HEIGHT), fill=TINT)
    canvas.text((MARGIN, HEIGHT - 20), settings.PUBLISHER_NAME, font=_font(22), fill=MUTED, anchor="lm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def describe(*, text: str, verdict: str, status: str, published_at) -> dict:
    """What the image of a claim shows, from its fields: the arguments of draw()."""
    retracted = status == Status.RETRACTED
    day = timezone.localtime(published_at) if published_at else None
    return {
        "text": text,
        "verdict": RETRACTED if retracted else verdict,
        "label": "Retracted" if retracted else verdicts.label(verdict),
        "checked": f"Checked {day.day} {day:%B %Y}" if day else "",
    }


def fingerprint(drawn: dict) -> str:
    """A digest of all the image shows: its cache key and ETag change exactly when the image does."""
    parts = [DRAWING_VERSION, settings.SITE_NAME, settings.PUBLISHER_NAME, *sorted(drawn.items())]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
