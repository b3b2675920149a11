"""Rebuild the bundled chart font (`NotoSansCJKsc-Subset.otf`) from Noto Sans CJK.

The chart must show Chinese on any machine, so the package carries its own font instead of
trusting what the host has (docs/reports.md, "The chart's font"). The source is the Simplified
Chinese face of Noto Sans CJK Regular (SIL OFL 1.1), e.g. Debian's fonts-noto-cjk:

    python -m tasks.reports.fonts.make_subset /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

What is kept, and why:
- every Han ideograph the SC face maps (the Unified Ideographs block, Extension A, the
  compatibility ideographs and those of Extensions B and later it has), so any person's or
  department's name renders, not just a list of common characters;
- ASCII, Latin-1, general and CJK punctuation, full-width forms, enclosed numbers, arrows and
  geometric shapes: what labels, dates and figures use;
- the outlines only: no hinting (matplotlib's Agg autohints the text itself), no OpenType
  layout (a chart label needs no vertical forms, and `locl` would pull in the Japanese,
  Korean and Traditional variants), no vertical metrics. That keeps the file near 7 MB.

The family is renamed `Noto Sans CJK SC Subset`, so that matplotlib never confuses it with a
full Noto Sans CJK SC the host may have (the OFL also asks a modified font not to pose as the
original).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "NotoSansCJKsc-Subset.otf"
FAMILY = "Noto Sans CJK SC Subset"
POSTSCRIPT = "NotoSansCJKscSubset-Regular"
SC_FACE = "Noto Sans CJK SC"

_KEPT = (
    (0x0020, 0x007E), (0x00A0, 0x017F),  # ASCII, Latin-1 and Latin Extended-A
    (0x2000, 0x206F), (0x2100, 0x21FF),  # punctuation, letterlike symbols, number forms, arrows
    (0x2460, 0x24FF), (0x2500, 0x25FF),  # ①…, box drawing, geometric shapes
    (0x3000, 0x303F), (0x3200, 0x33FF),  # CJK punctuation, enclosed and compatibility symbols
    (0xFF00, 0xFFEF),  # full-width forms
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),  # Han: Ext A, URO, compatibility
    (0x20000, 0x3134F), (0x2F800, 0x2FA1F),  # Han: Extensions B to G, compatibility supplement
)


def kept_characters(mapped: set[int]) -> set[int]:
    """The code points of `_KEPT` that the source face has a glyph for."""
    wanted = {cp for low, high in _KEPT for cp in range(low, high + 1)}
    return wanted & mapped


def build(source: Path, target: Path = TARGET) -> int:
    """Write the subset of the SC face of `source` (a .ttc or .otf); returns its size."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() == ".ttc":
        faces = TTCollection(str(source)).fonts
        font = next(f for f in faces if f["name"].getDebugName(4) == SC_FACE)
    else:
        font = TTFont(str(source))
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG", "DSIG"]
    options.hinting = False
    options.notdef_outline = True  # the missing-character box, for the tofu test
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=kept_characters(set(font.getBestCmap())))
    subsetter.subset(font)
    _rename(font)
    font.save(str(target))
    return target.stat().st_size


def _rename(font) -> None:  # `font` is a fontTools TTFont (untyped)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID,
                          record.langID)
        elif record.nameID == 6:
            names.setName(POSTSCRIPT, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            names.setName(f"{POSTSCRIPT} (subset of NotoSansCJKsc-Regular 2.004)", 3,
                          record.platformID, record.platEncID, record.langID)
    font["CFF "].cff.fontNames = [POSTSCRIPT]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tasks.reports.fonts.make_subset NotoSansCJK-Regular.ttc")
    print(f"{TARGET}: {build(Path(sys.argv[1]))} bytes")
