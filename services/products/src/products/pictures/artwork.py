"""Product pictures drawn as SVG: a flat silhouette per kind of goods on a soft tinted backdrop.

The demo and synthetic catalogues use these so the shop looks like a shop with no internet and no image
files to ship. `render()` is a pure function of its arguments: the same product always gets the same bytes,
which is what lets the API cache them for long and answer conditional requests.
"""

from __future__ import annotations

import zlib
from xml.sax.saxutils import escape

# Each silhouette is SVG drawn in an 800x1000 box, with placeholders for the palette:
# {b} body (a colour, or the stripes pattern), {s} shade, {l} light, {d} detail lines, {k} backdrop.
SHAPES: dict[str, str] = {
    "shirt": """
<path d="M320 225 L215 262 Q160 290 140 360 L112 600 L196 614 L232 420 L236 805 Q400 830 564 805 L568 420
 L604 614 L688 600 L660 360 Q640 290 585 262 L480 225 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M112 600 L196 614 L192 585 L116 572 Z M688 600 L604 614 L608 585 L684 572 Z" fill="{s}"/>
<path d="M320 225 L398 300 L346 312 L300 240 Z M480 225 L402 300 L454 312 L500 240 Z" fill="{l}"
 stroke="{d}" stroke-width="4"/>
<path d="M400 300 L400 812" stroke="{d}" stroke-width="4"/>
<g fill="{d}"><circle cx="412" cy="370" r="7"/><circle cx="412" cy="460" r="7"/><circle cx="412" cy="550" r="7"/>
<circle cx="412" cy="640" r="7"/><circle cx="412" cy="730" r="7"/></g>
<rect x="450" y="380" width="78" height="88" rx="6" fill="none" stroke="{d}" stroke-width="4"/>""",
    "tee": """
<path d="M330 220 Q400 268 470 220 L590 250 L700 360 L630 430 L580 392 L585 800 Q400 820 215 800 L220 392
 L170 430 L100 360 L210 250 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M330 220 Q400 268 470 220" fill="none" stroke="{s}" stroke-width="16"/>""",
    "sweater": """
<path d="M330 225 Q400 265 470 225 L590 255 Q650 280 670 360 L700 640 L620 652 L578 420 L580 770 L220 770
 L222 420 L180 652 L100 640 L130 360 Q150 280 210 255 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M215 770 H585 V820 Q400 836 215 820 Z M100 640 L180 652 L176 700 L95 690 Z M700 640 L620 652 L624 700
 L705 690 Z" fill="{s}" stroke="{d}" stroke-width="4"/>
<path d="M330 225 Q400 265 470 225" fill="none" stroke="{s}" stroke-width="18"/>
<path d="M260 776 V818 M300 776 V822 M340 776 V824 M380 776 V826 M420 776 V826 M460 776 V824 M500 776 V822
 M540 776 V818" stroke="{d}" stroke-width="3" opacity=".5"/>""",
    "trousers": """
<path d="M262 180 H538 L580 820 H440 L404 370 H396 L360 820 H220 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M262 180 H538 L541 225 H259 Z" fill="{s}"/>
<path d="M400 225 V360 M300 232 Q330 300 266 318 M500 232 Q470 300 534 318" fill="none" stroke="{d}"
 stroke-width="4"/>
<path d="M300 180 V226 M400 180 V226 M500 180 V226" stroke="{d}" stroke-width="8"/>""",
    "jacket": """
<path d="M310 215 L200 255 Q140 285 125 370 L95 640 L185 655 L222 440 L225 790 H575 L578 440 L615 655 L705 640
 L675 370 Q660 285 600 255 L490 215 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M310 215 L400 280 L490 215 L520 262 L400 330 L280 262 Z" fill="{s}" stroke="{d}" stroke-width="4"/>
<path d="M400 330 V790" stroke="{d}" stroke-width="6"/>
<path d="M255 600 H370 V690 H255 Z M430 600 H545 V690 H430 Z" fill="{s}" stroke="{d}" stroke-width="4"/>""",
    "coat": """
<path d="M310 200 L200 245 Q140 275 128 360 L105 700 L190 712 L226 440 L226 890 H574 L574 440 L610 712 L695 700
 L672 360 Q660 275 600 245 L490 200 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M310 200 L400 470 L335 410 L292 300 Z M490 200 L400 470 L465 410 L508 300 Z" fill="{s}" stroke="{d}"
 stroke-width="4"/>
<path d="M400 470 V890" stroke="{d}" stroke-width="4"/>
<g fill="{d}"><circle cx="430" cy="540" r="9"/><circle cx="430" cy="640" r="9"/>
<circle cx="430" cy="740" r="9"/></g>""",
    "sneaker": """
<path d="M150 640 L160 520 Q165 490 200 488 L300 500 Q340 505 360 470 L400 420 L450 425 Q470 470 520 500
 L630 560 Q690 585 695 640 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M130 640 H700 V668 Q700 700 660 700 H150 Q120 700 125 668 Z" fill="#f4f1ea" stroke="{d}"
 stroke-width="4"/>
<path d="M430 450 L470 440 M455 475 L495 462 M480 497 L522 484 M560 545 Q610 600 695 640" fill="none"
 stroke="{d}" stroke-width="5"/>""",
    "boot": """
<path d="M222 330 H420 L430 560 Q440 600 520 615 L640 640 Q690 655 690 700 V718 H180 V690 Q200 600 210 470 Z"
 fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M302 350 H378 L372 540 Q340 560 308 540 Z" fill="{s}" stroke="{d}" stroke-width="4"/>
<path d="M180 718 H690 V750 H180 Z" fill="{d}"/>
<path d="M222 330 L216 290 Q220 280 236 284 L244 330" fill="{s}" stroke="{d}" stroke-width="4"/>""",
    "shoe": """
<path d="M140 660 Q150 600 230 590 L350 585 Q420 560 480 560 Q600 565 660 620 Q700 650 695 680 H140 Z"
 fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M132 680 H700 V702 Q700 716 684 716 H150 Q132 716 132 700 Z" fill="{d}"/>
<path d="M360 590 Q440 610 520 576" fill="none" stroke="{s}" stroke-width="14"/>""",
    "bag": """
<path d="M290 420 Q290 250 400 250 Q510 250 510 420" fill="none" stroke="{s}" stroke-width="24"/>
<path d="M200 420 H600 L630 820 H170 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M204 470 H596" stroke="{d}" stroke-width="4" stroke-dasharray="12 10"/>""",
    "backpack": """
<path d="M350 260 Q350 200 400 200 Q450 200 450 260" fill="none" stroke="{d}" stroke-width="14"/>
<rect x="240" y="300" width="320" height="500" rx="60" fill="{b}" stroke="{d}" stroke-width="4"/>
<rect x="240" y="250" width="320" height="90" rx="30" fill="{s}" stroke="{d}" stroke-width="4"/>
<rect x="290" y="560" width="220" height="190" rx="28" fill="{s}" stroke="{d}" stroke-width="4"/>
<path d="M320 340 V520 M480 340 V520" stroke="{d}" stroke-width="14"/>""",
    "pouch": """
<rect x="270" y="380" width="260" height="150" rx="10" fill="{l}" transform="rotate(-6 400 455)"/>
<rect x="230" y="430" width="340" height="230" rx="24" fill="{b}" stroke="{d}" stroke-width="4"/>
<rect x="248" y="448" width="304" height="194" rx="16" fill="none" stroke="{l}" stroke-width="3"
 stroke-dasharray="10 8"/>""",
    "beanie": """
<path d="M230 640 Q230 330 400 320 Q570 330 570 640 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<rect x="215" y="600" width="370" height="130" rx="24" fill="{s}" stroke="{d}" stroke-width="4"/>
<path d="M260 612 V718 M305 612 V718 M350 612 V718 M395 612 V718 M440 612 V718 M485 612 V718 M530 612 V718"
 stroke="{d}" stroke-width="4" opacity=".45"/>""",
    "textile": """
<rect x="190" y="580" width="420" height="120" rx="18" fill="{s}" stroke="{d}" stroke-width="4"/>
<rect x="205" y="470" width="390" height="120" rx="18" fill="{b}" stroke="{d}" stroke-width="4"/>
<rect x="220" y="360" width="360" height="120" rx="18" fill="{l}" stroke="{d}" stroke-width="4"/>
<path d="M580 380 h24 M580 400 h24 M580 420 h24 M580 440 h24 M580 460 h24" stroke="{d}" stroke-width="4"/>""",
    "belt": """
<ellipse cx="400" cy="560" rx="230" ry="120" fill="none" stroke="{b}" stroke-width="46"/>
<ellipse cx="400" cy="560" rx="230" ry="120" fill="none" stroke="{d}" stroke-width="2" stroke-dasharray="8 8"/>
<rect x="352" y="636" width="96" height="88" rx="10" fill="none" stroke="#c4a256" stroke-width="12"/>""",
    "mug": """
<path d="M520 500 Q625 500 625 580 Q625 660 520 660" fill="none" stroke="{s}" stroke-width="34"/>
<rect x="260" y="430" width="270" height="310" rx="34" fill="{b}" stroke="{d}" stroke-width="4"/>
<ellipse cx="395" cy="440" rx="128" ry="20" fill="{s}"/>""",
    "candle": """
<rect x="320" y="400" width="160" height="360" rx="14" fill="{b}" stroke="{d}" stroke-width="4"/>
<ellipse cx="400" cy="402" rx="78" ry="14" fill="{l}"/>
<path d="M400 398 V370" stroke="#3b3b3b" stroke-width="4"/>
<path d="M400 300 Q428 340 414 364 Q400 378 386 364 Q372 340 400 300 Z" fill="#f2b84b"/>""",
    "skillet": """
<rect x="500" y="520" width="250" height="56" rx="28" fill="{d}" transform="rotate(-14 500 548)"/>
<circle cx="340" cy="570" r="200" fill="{d}"/>
<circle cx="340" cy="570" r="168" fill="{b}"/>""",
    "carafe": """
<path d="M300 420 H500 L470 462 Q560 560 560 680 Q560 780 400 780 Q240 780 240 680 Q240 560 330 462 Z"
 fill="{l}" stroke="{d}" stroke-width="4" opacity=".9"/>
<path d="M252 640 Q400 660 548 640 Q560 780 400 780 Q240 780 252 640 Z" fill="#6b4a35" opacity=".85"/>
<path d="M270 300 H530 L450 420 H350 Z" fill="{b}" stroke="{d}" stroke-width="4"/>""",
    "bottle": """
<rect x="335" y="320" width="130" height="82" rx="12" fill="{d}"/>
<rect x="352" y="396" width="96" height="60" fill="{s}"/>
<rect x="280" y="450" width="240" height="300" rx="34" fill="{b}" stroke="{d}" stroke-width="4"/>
<rect x="310" y="540" width="180" height="120" rx="6" fill="#f4f1ea"/>
<path d="M335 580 H465 M335 615 H430" stroke="{d}" stroke-width="6"/>""",
    "notebook": """
<rect x="258" y="276" width="320" height="440" rx="14" fill="#f4f1ea" stroke="{d}" stroke-width="4"/>
<rect x="240" y="260" width="320" height="440" rx="14" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M280 260 V700" stroke="{s}" stroke-width="10"/>
<path d="M520 260 V700" stroke="{d}" stroke-width="10"/>""",
    "cards": """
<rect x="250" y="330" width="300" height="380" rx="8" fill="#f4f1ea" stroke="{d}" stroke-width="4"
 transform="rotate(-5 400 520)"/>
<rect x="200" y="470" width="400" height="270" rx="8" fill="{b}" stroke="{d}" stroke-width="4"/>
<path d="M200 470 L400 610 L600 470" fill="none" stroke="{d}" stroke-width="4"/>""",
    "pen": """
<g transform="rotate(-35 400 520)"><rect x="150" y="498" width="500" height="44" rx="22" fill="{b}"
 stroke="{d}" stroke-width="4"/><path d="M150 508 L100 520 L150 532 Z" fill="{d}"/>
<rect x="440" y="498" width="12" height="44" fill="{s}"/><rect x="470" y="470" width="150" height="14" rx="7"
 fill="{s}" stroke="{d}" stroke-width="3"/></g>""",
    "board": """
<path d="M170 430 H560 Q600 430 600 470 V680 Q600 720 560 720 H170 Q130 720 130 680 V470 Q130 430 170 430 Z
 M600 540 H690 Q720 540 720 575 Q720 610 690 610 H600 Z" fill="{b}" stroke="{d}" stroke-width="4"/>
<circle cx="680" cy="575" r="13" fill="{k}"/>
<path d="M170 500 Q350 480 560 510 M170 580 Q360 560 560 590 M170 655 Q340 640 560 660" fill="none"
 stroke="{s}" stroke-width="5"/>""",
}

# where each kind touches the floor (the shadow's centre) and how wide its shadow is; garments hang lower
FLOOR: dict[str, tuple[int, int]] = {
    "shirt": (860, 240), "tee": (850, 240), "sweater": (860, 250), "trousers": (850, 200), "jacket": (840, 260),
    "coat": (920, 250), "sneaker": (712, 300), "boot": (760, 280), "shoe": (726, 300), "bag": (832, 240),
    "backpack": (812, 180), "pouch": (672, 190), "beanie": (742, 200), "textile": (712, 230), "belt": (730, 220),
    "mug": (752, 180), "candle": (772, 110), "skillet": (782, 260), "carafe": (790, 170), "bottle": (762, 140),
    "notebook": (728, 180), "cards": (752, 220), "pen": (760, 200), "board": (732, 280),
}

STRIPES = """<pattern id="stripes" width="40" height="40" patternUnits="userSpaceOnUse">
<rect width="40" height="40" fill="{l}"/><rect width="40" height="16" y="24" fill="{b}"/></pattern>"""

WARM_WHITE = (247, 244, 238)
GREIGE = (214, 207, 195)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    """`a` moved a fraction `t` towards `b`, as #rrggbb."""
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def render(kind: str, colour: str, *, brand: str = "", caption: str = "", stripes: str | None = None,
           salt: str = "") -> str:
    """The SVG document of a `kind` of goods (a key of SHAPES) in `colour` (#rrggbb).

    `stripes` (#rrggbb) paints the body in bands of `colour` over that colour; `brand` and `caption` are
    set small at the foot of the picture; `salt` (the file name, say) places the backdrop's circle, so
    products of one kind and colour still differ. Raises KeyError for an unknown kind.
    """
    shape = SHAPES[kind]
    floor, spread = FLOOR[kind]
    rgb = _rgb(colour)
    dark, light = _luminance(rgb) < 0.22, _luminance(rgb) > 0.78
    # light goods sit on a greige backdrop and dark ones get lighter detail lines, so neither disappears
    top = _mix(GREIGE, rgb, 0.10) if light else _mix(WARM_WHITE, rgb, 0.10)
    bottom = _mix(GREIGE, (0, 0, 0), 0.10) if light else _mix(WARM_WHITE, rgb, 0.24)
    palette = {
        "b": "url(#stripes)" if stripes else colour,
        "s": _mix(rgb, (255, 255, 255), 0.18) if dark else _mix(rgb, (0, 0, 0), 0.16),
        "l": stripes or _mix(rgb, (255, 255, 255), 0.45),
        "d": _mix(rgb, (255, 255, 255), 0.35) if dark else _mix(rgb, (0, 0, 0), 0.38),
        "k": top,
    }
    spot = zlib.crc32(f"{salt}{kind}{colour}".encode())
    cx, cy, r = 250 + spot % 300, 380 + (spot >> 9) % 200, 240 + (spot >> 17) % 90
    ink = _mix(_rgb(top), (0, 0, 0), 0.55)
    pattern = STRIPES.format(b=colour, l=stripes) if stripes else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 1000" width="800" height="1000">'
        f'<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{top}"/>'
        f'<stop offset="1" stop-color="{bottom}"/></linearGradient>{pattern}</defs>'
        '<rect width="800" height="1000" fill="url(#bg)"/>'
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{_mix(rgb, (255, 255, 255), 0.6)}" opacity=".35"/>'
        f'<ellipse cx="400" cy="{floor}" rx="{spread}" ry="18" fill="#000" opacity=".08"/>'
        f"{shape.format(**palette).strip()}"
        f'<g font-family="Helvetica, Arial, sans-serif" font-size="24" fill="{ink}" letter-spacing="4">'
        f'<text x="56" y="960">{escape(brand.upper())}</text>'
        f'<text x="744" y="960" text-anchor="end">{escape(caption.upper())}</text></g></svg>\n'
    )
