"""The one owner of "clean text": what is dropped, what is kept."""

import pytest

from common.formula_safe import formula_safe
from common.text import (
    clean_text,
    decode_excel_escapes,
    has_bidi_controls,
    split_names,
    strip_controls,
    strip_invisible,
)


def test_strip_controls_keeps_tab_and_line_breaks_only():
    every = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\x9f\ufffe\uffff"
    assert strip_controls("a" + every + "b") == "a\t\n\rb"


@pytest.mark.parametrize(
    "char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\x07"]
)
def test_invisible_characters_are_dropped(char):
    assert strip_invisible(f"质{char}监局") == "质监局"
    assert clean_text(f" 质{char}监局 ") == "质监局"


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f"])
def test_bidi_controls_are_found_and_dropped_unless_kept(char):
    assert has_bidi_controls(f"质{char}监局")
    assert strip_invisible(f"质{char}监局") == "质监局"
    assert strip_invisible(f"质{char}监局", keep_bidi=True) == f"质{char}监局"


def test_excel_escapes_of_invisible_characters_are_decoded_others_kept():
    assert decode_excel_escapes("a_x0007_b_x0000_c_x200B_d") == "a\x07b\x00c\u200bd"
    assert decode_excel_escapes("_x0041_ and _x4E2D_") == "_x0041_ and _x4E2D_"


def test_split_names_does_not_split_inside_brackets():
    assert split_names("王磊（局长、党组书记）、陈建民;李四") == [
        "王磊（局长、党组书记）",
        "陈建民",
        "李四",
    ]


def test_formula_safe_drops_control_characters_before_escaping():
    assert formula_safe("\x07=1+1") == "'=1+1"
    assert formula_safe("提高\x00产品\x1b质量") == "提高产品质量"
    assert formula_safe("\t=1") == "'\t=1"
    assert formula_safe(5) == 5
