"""Regenerate the bundled PDF fonts: DejaVu Sans cut down to Latin-script text.

The full DejaVu Sans faces are about 730 KB each and cover dozens of scripts.
WeasyPrint parses and subsets every bundled face on each render, and with
fontTools (HarfBuzz-subset is rarely installed) that costs most of a second per
briefing. The briefing is written in English and French and quotes articles in
other Latin-script European languages, so the bundled faces keep only the
Latin, punctuation, currency and symbol ranges listed in ``UNICODE_RANGES``.
Text in other scripts still renders: the stylesheet falls back to the
system's sans-serif fonts for characters these faces lack.

Hinting, glyph names and the MATH table are dropped too: WeasyPrint removes
hinting from embedded fonts anyway, and a PDF needs neither of the others.
Kerning and ligatures (GPOS/GSUB) are kept for the retained glyphs.

Run from the repository root (needs fontTools, installed with WeasyPrint):

    .venv/bin/python tools/subset_fonts.py [--source /usr/share/fonts/truetype/dejavu]

The source faces are DejaVu Sans 2.37 (Debian's fonts-dejavu-core or
https://dejavu-fonts.github.io/); their licence is fonts/LICENSE-DejaVu.txt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "briefing" / "assets" / "fonts"
DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/dejavu")
FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

# Inclusive code point ranges kept in the bundled faces.
UNICODE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x024F),  # Latin Extended-A and -B
    (0x0250, 0x02FF),  # IPA extensions, spacing modifiers (ʻ ʼ ˆ ˇ)
    (0x0300, 0x036F),  # combining diacritics (decomposed accents)
    (0x1E00, 0x1EFF),  # Latin Extended Additional (ẞ, Vietnamese, Welsh)
    (0x2000, 0x206F),  # general punctuation (dashes, quotes, …, ‹ ›, •)
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x20A0, 0x20CF),  # currency symbols (€, ₤, ₽, ₿)
    (0x2100, 0x218F),  # letterlike symbols and number forms (№ ™ ℃ ⅓)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ≤ ≥ ≠ ≈ ∞)
    (0x25A0, 0x25FF),  # geometric shapes (list bullets ▪ ◦ ●)
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFFFD, 0xFFFD),  # replacement character
)
DROPPED_TABLES = ("MATH", "FFTM", "kern")  # kerning lives in GPOS; HarfBuzz uses that
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)  # names, copyright, licence and its URL


def unicodes() -> list[int]:
    """Every code point the bundled faces keep."""
    return [code for start, end in UNICODE_RANGES for code in range(start, end + 1)]


def options() -> subset.Options:
    result = subset.Options()
    result.hinting = False
    result.glyph_names = False
    result.notdef_outline = True
    result.name_IDs = list(NAME_IDS)
    result.drop_tables = [*result.drop_tables, *DROPPED_TABLES]
    return result


def subset_face(source: Path, target: Path) -> int:
    """Write the Latin subset of ``source`` to ``target``; return its size in bytes."""
    # Keep the source's timestamp so that regenerating gives identical files.
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options())
    subsetter.populate(unicodes=unicodes())
    subsetter.subset(font)
    font.save(target)
    return target.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of full faces")
    parser.add_argument("--target", type=Path, default=FONTS, help="folder to write the subsets")
    args = parser.parse_args()
    missing = [face for face in FACES if not (args.source / face).is_file()]
    if missing:
        print(f"missing in {args.source}: {', '.join(missing)}", file=sys.stderr)
        return 1
    for face in FACES:
        size = subset_face(args.source / face, args.target / face)
        print(f"{args.target / face}: {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
