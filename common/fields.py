"""Form fields for text people type or paste.

Text pasted from other programs brings characters nobody sees: control
characters (a BEL from a terminal, form feeds from a PDF), zero-width spaces,
bidirectional overrides. Stored, they make one reason look like another,
break XLSX exports (XML cannot hold them) and, for NUL, PostgreSQL refuses
the row. ``PlainTextField`` drops them as the form reads the value, the same
way the importer cleans cells (``common.text.strip_invisible``); NUL is left
for Django's validator, which refuses it with a message next to the field.
"""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from common.text import strip_invisible

# Django's own message reads "不允许是用空字符串" in Chinese: wrong and unclear.
NUL_REFUSED = _("不能含有空字符（NUL，常见于从其他软件粘贴的内容），请删除后重新填写。")


def without_invisible(value: str) -> str:
    """``value`` without invisible characters, line breaks and tabs kept, NUL kept."""
    return "\x00".join(strip_invisible(part) for part in value.split("\x00"))


class PlainTextField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            ProhibitNullCharactersValidator(message=NUL_REFUSED)
            if isinstance(v, ProhibitNullCharactersValidator)
            else v
            for v in self.validators
        ]

    def to_python(self, value):
        text = super().to_python(value)
        return without_invisible(text) if isinstance(text, str) else text
