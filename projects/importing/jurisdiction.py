"""Which jurisdiction an import (or export) of targets is for (issue 17).

Every city and county runs its own programme, so a workbook is imported into
one jurisdiction: names are matched among its units, people and vice-mayors,
and the plan year written is its own. The commands name it (``--jurisdiction
诸城市``, short or full name); the admin's import page offers the jurisdictions
the user may write (:func:`writable_jurisdictions`) and checks the choice again
on every request.
"""

from __future__ import annotations

from difflib import get_close_matches

from django.conf import settings
from django.db.models import Q, QuerySet

from responsibility import roles
from responsibility.jurisdictions import jurisdictions, user_jurisdiction
from responsibility.models import Unit, existing_home_jurisdiction

# Close names listed at most when a name is not a jurisdiction.
MAX_SUGGESTIONS = 5


class JurisdictionNotFound(ValueError):
    """A jurisdiction name that is unknown or names more than one; the message
    (Chinese, for the command line) lists the close or the matching names."""


def _label(unit: Unit) -> str:
    """A jurisdiction as the messages show it: its name, its full name and the
    jurisdiction above it, enough to tell two of the same name apart."""
    label = unit.name
    if unit.full_name and unit.full_name != unit.name:
        label += f"（{unit.full_name}）"
    if unit.jurisdiction is not None:
        label = f"{unit.jurisdiction.name} / {label}"
    return label


def jurisdiction_name(jurisdiction: Unit | None) -> str:
    """A jurisdiction's name; None stands for the home one, not yet made."""
    if jurisdiction is not None:
        return jurisdiction.name
    return getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")


def find_jurisdiction(name: str | None) -> Unit | None:
    """The jurisdiction called ``name`` (short or full name); with no name, the
    home jurisdiction (None while the database has none yet: the import makes
    it). Raises :class:`JurisdictionNotFound` for an unknown or ambiguous name."""
    name = (name or "").strip()
    if not name:
        return existing_home_jurisdiction()
    known = jurisdictions().select_related("jurisdiction")
    found = list(known.filter(Q(name=name) | Q(full_name=name)))
    if len(found) == 1:
        return found[0]
    if found:
        listed = "、".join(_label(unit) for unit in found)
        raise JurisdictionNotFound(
            f"“{name}”对应多个辖区：{listed}。请改用全称，或先在管理后台把名称改为不同的。"
        )
    names: dict[str, Unit] = {}
    for unit in known:
        for text in (unit.name, unit.full_name):
            if text:
                names.setdefault(text, unit)
    close = get_close_matches(name, list(names), n=MAX_SUGGESTIONS, cutoff=0.3)
    if not close:  # "诸城" for "诸城市": a name inside another
        close = [text for text in names if name in text or text in name][:MAX_SUGGESTIONS]
    shown = list(dict.fromkeys(_label(names[text]) for text in close))
    hint = f"相近的辖区：{'、'.join(shown)}。" if shown else "系统中还没有相近的辖区。"
    raise JurisdictionNotFound(f"没有名为“{name}”的辖区。{hint}")


def writes_every_jurisdiction(user) -> bool:
    """A superuser, or an administrator attached to no unit (a deployment
    administrator), may import into any jurisdiction."""
    if user.is_superuser:
        return True
    return roles.has_role(user, roles.ADMIN) and user_jurisdiction(user) is None


def writable_jurisdictions(user) -> QuerySet[Unit]:
    """The jurisdictions ``user`` may import targets into: every one for
    :func:`writes_every_jurisdiction`; else the jurisdiction of their unit (or
    their vice-mayor's); an account attached to none, the home jurisdiction."""
    if writes_every_jurisdiction(user):
        return jurisdictions()
    own = user_jurisdiction(user) or existing_home_jurisdiction()
    if own is None:
        return Unit.objects.none()
    return jurisdictions().filter(pk=own.pk)
