"""Helpers of the input tests: the app's bounded columns, a browser-like reading of a
rendered form, and a checksum of the database to prove a refusal changed nothing."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

from django.apps import apps
from django.db import connection, models

APP_LABELS = ("projects", "responsibility")
CJK = re.compile(r"[\u3400-\u9fff]")


def bounded_fields(*, historical: bool = True):
    """(model, field) for every CharField with a max_length of the app's models,
    historical models included; choice fields are validated by their choices."""
    for model in apps.get_models():
        if model._meta.app_label not in APP_LABELS:
            continue
        if not historical and model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.max_length and not field.choices:
                yield model, field


def is_chinese(message: str) -> bool:
    return bool(CJK.search(str(message)))


def fill(length: int, char: str = "𠀀") -> str:
    """``length`` characters; the default is outside the BMP (4 bytes in UTF-8), so a
    limit counted in bytes instead of characters would show."""
    return char * length


# --- Database checksum -----------------------------------------------------------------


def checksum(*labels: str) -> str:
    """A digest of every row of the given models ("app.Model"); all app models if none."""
    chosen = (
        [apps.get_model(label) for label in labels]
        if labels
        else [m for m in apps.get_models() if m._meta.app_label in (*APP_LABELS, "auth")]
    )
    digest = hashlib.sha256()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in chosen:
            table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            digest.update(model._meta.label.encode())
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


# --- Reading a rendered form as a browser would ----------------------------------------


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.maxlengths: dict[str, int] = {}
        self._select: str | None = None
        self._select_values: list[str] = []
        self._select_first: str | None = None
        self._multiple = False
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
            if a.get("maxlength"):
                self.maxlengths[name] = int(a["maxlength"])
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
            if a.get("maxlength"):
                self.maxlengths[name] = int(a["maxlength"])
        elif tag == "select" and name:
            self._select, self._select_values, self._select_first = name, [], None
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = a
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def _close_option(self):
        if self._option is not None:
            value = self._option.get("value", "".join(self._text).strip())
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self._select_values.append(value)
            self._option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            values = self._select_values
            if not values and self._select_first is not None and not self._multiple:
                values = [self._select_first]
            self.fields.extend((self._select, v) for v in values)
            self._select = None


def read_form(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """The data a browser would submit from the form (the first form when no id)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def as_post(data: dict[str, list[str]]) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}
