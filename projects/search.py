"""Text search: what a typed query means, and the header search's selector.

One owner for the text query of every list: the header search (``/search/``),
the project list's ``q`` and the milestone list's ``q`` (and so their XLSX
exports) all read the query through :func:`parse` and match it with
:func:`matches`:

- the text is cleaned (control, format and unassigned characters such as NUL
  become spaces, runs of white space one space) and split into at most
  :data:`MAX_TERMS` words; every word must appear in one of the fields
  (``icontains``: ``%`` and ``_`` are literal);
- a project number is found as typed in the document: ``16``, ``16项``,
  ``第16项``, ``第十六项``, ``十六项``; a sub-item number as ``16-2``.

The header search (:func:`search`) looks for projects, sub-items, milestones,
units, persons and vice-mayors within the reader's reach (``projects.access``),
one query per kind whatever the data size. On PostgreSQL it also finds near
spellings with pg_trgm (migration ``projects.0007_pg_trgm``) and ranks by
similarity; on SQLite it ranks exact and leading matches first.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence

from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from projects import access

MAX_LENGTH = 50  # characters of a query after cleaning (the header box's maxlength)
MAX_TERMS = 5
PER_KIND = 20  # results shown per kind
SIMILARITY = 0.3  # pg_trgm similarity from which a name counts as a near spelling

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_PROJECT_NUMBER = re.compile(r"(?:第\s*)?([0-9]{1,4})\s*项?")
# Chinese numerals only with 第 or 项: a bare 一 or 五 is a word of a name.
_PROJECT_NUMBER_CN = re.compile(
    r"第\s*([零一二两三四五六七八九十]{1,3})\s*项?|([零一二两三四五六七八九十]{1,3})\s*项"
)
_SUBITEM_NUMBER = re.compile(r"(?:第\s*)?([0-9]{1,4})\s*[-－–—.]\s*([0-9]{1,3})")


@dataclasses.dataclass(frozen=True)
class TextQuery:
    """A cleaned query: its text, its words and the numbers it names."""

    text: str
    terms: tuple[str, ...]
    number: int | None = None  # 第16项 → 16
    sub_number: tuple[int, int] | None = None  # 16-2 → (16, 2)


def clean(raw: str) -> str:
    """The query as matched: control, format, private and unassigned characters
    (NUL included, which PostgreSQL refuses in a string) and every kind of white
    space become one plain space; no leading or trailing space."""
    kept = (" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in raw)
    return " ".join("".join(kept).split())


def is_too_long(raw: str) -> bool:
    return len(raw) > 4 * MAX_LENGTH or len(clean(raw)) > MAX_LENGTH


def parse(raw: str | None) -> TextQuery | None:
    """The query in ``raw``, or None when nothing is left after cleaning. Longer
    queries are cut to :data:`MAX_LENGTH` (the search page refuses them first)."""
    text = clean((raw or "")[: 4 * MAX_LENGTH])[:MAX_LENGTH].strip()
    if not text:
        return None
    terms = tuple(dict.fromkeys(text.split()))[:MAX_TERMS]
    number = sub_number = None
    if m := _SUBITEM_NUMBER.fullmatch(text):
        sub_number = (int(m[1]), int(m[2]))
    elif m := _PROJECT_NUMBER.fullmatch(text):
        number = int(m[1])
    elif m := _PROJECT_NUMBER_CN.fullmatch(text):
        number = _number(m[1] or m[2])
    return TextQuery(text=text, terms=terms, number=number, sub_number=sub_number)


def _number(digits: str) -> int | None:
    """``16`` or ``十六`` → 16 (Chinese numerals up to 九十九); None if not a number."""
    if digits.isdigit():
        return int(digits)
    tens, sep, ones = digits.partition("十")
    try:
        if not sep:
            return _DIGITS[digits] if len(digits) == 1 else None
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    except KeyError:
        return None


def matches(
    query: TextQuery,
    fields: Sequence[str],
    *,
    number: str | None = None,
    sub_number: tuple[str, str] | None = None,
) -> Q:
    """Rows where every word of the query is in one of ``fields``, or whose
    ``number`` (a project number's lookup path) is the number typed, or whose
    ``sub_number`` pair (project number, sub-item number) is the ``16-2`` typed."""
    words = Q()
    for term in query.terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        words &= any_field
    if number and query.number is not None:
        words |= Q(**{number: query.number})
    if sub_number and query.sub_number is not None:
        words |= Q(**dict(zip(sub_number, query.sub_number, strict=True)))
    return words


def filter_text(queryset: QuerySet, raw: str | None, fields: Sequence[str], **numbers) -> QuerySet:
    """``queryset`` narrowed to the rows matching ``raw`` (unchanged when empty)."""
    query = parse(raw)
    return queryset if query is None else queryset.filter(matches(query, fields, **numbers))


# --- The header search ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hit:
    """One result: its name (highlighted on the page), where it leads (None when
    the reader may not open it) and a line of context."""

    title: str
    url: str | None
    context: str = ""
    badge: str = ""


@dataclasses.dataclass(frozen=True)
class Group:
    kind: str
    label: object
    hits: list[Hit]
    more: bool  # more than PER_KIND matched
    more_url: str | None = None


def _trigram() -> bool:
    return connection.vendor == "postgresql"


def _ranked(
    queryset: QuerySet,
    query: TextQuery,
    field: str,
    *,
    found: Q,
    then: Sequence[str],
    number: Q | None = None,
    similar: Sequence[str] = (),
) -> QuerySet:
    """Rows matching ``found`` (or, on PostgreSQL, spelled like ``field`` or one of
    ``similar``), best first: the number typed (``number``), the whole name, the
    name's start, similarity, then ``then``."""
    text = query.text
    number_rank = (
        Value(0)
        if number is None
        else Case(When(number, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    exact_rank = Case(
        When(**{f"{field}__iexact": text}, then=Value(2)),
        When(**{f"{field}__istartswith": text}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    queryset = queryset.alias(number_rank=number_rank, exact_rank=exact_rank)
    order: list = ["-number_rank", "-exact_rank"]
    if _trigram():
        from django.contrib.postgres.search import TrigramSimilarity

        similarities = [TrigramSimilarity(f, text) for f in (field, *similar)]
        queryset = queryset.alias(
            similarity=Greatest(*similarities) if len(similarities) > 1 else similarities[0]
        )
        found |= Q(similarity__gt=SIMILARITY)
        order.append(F("similarity").desc())
    return queryset.filter(found).order_by(*order, *then)


def _first(queryset: QuerySet) -> tuple[list, bool]:
    rows = list(queryset[: PER_KIND + 1])
    return rows[:PER_KIND], len(rows) > PER_KIND


def search(user, raw: str) -> list[Group]:
    """What ``raw`` finds within the user's reach, by kind (kinds with no hit left
    out). Six queries, whatever the data size."""
    query = parse(raw)
    if query is None:
        return []
    groups = [
        _projects(user, query),
        _subitems(user, query),
        _milestones(user, query),
        _units(user, query),
        _persons(user, query),
        _mayors(user, query),
    ]
    return [g for g in groups if g.hits]


def _more_url(name: str, query: TextQuery) -> str:
    return f"{reverse(name)}?{urlencode({'q': query.text})}"


def _projects(user, query: TextQuery) -> Group:
    queryset = _ranked(
        access.visible_projects(user).select_related("plan"),
        query,
        "name",
        found=matches(query, ["name", "target"], number="number"),
        number=None if query.number is None else Q(number=query.number),
        then=["-plan__year", "number"],
    )
    rows, more = _first(queryset)
    hits = [
        Hit(
            title=p.name,
            url=reverse("project_detail", args=[p.pk]),
            badge=str(_("%(year)s年 第%(number)s项") % {"year": p.plan.year, "number": p.number}),
        )
        for p in rows
    ]
    return Group("project", _("项目"), hits, more, _more_url("project_list", query))


def _subitems(user, query: TextQuery) -> Group:
    sub = query.sub_number
    queryset = _ranked(
        access.findable_subitems(user).select_related("project__plan", "unit"),
        query,
        "name",
        found=matches(query, ["name", "description"], sub_number=("project__number", "number")),
        number=None if sub is None else Q(project__number=sub[0], number=sub[1]),
        then=["-project__plan__year", "project__number", "number"],
    )
    rows, more = _first(queryset)
    hits = [
        Hit(
            title=s.name,
            url=reverse("project_detail", args=[s.project_id]) + "#p-subitems",
            context=f"{s.project} · {s.unit.name}",
            badge=f"{s.project.plan.year} {s.project.number}-{s.number}",
        )
        for s in rows
    ]
    return Group("subitem", _("小项"), hits, more)


def _milestones(user, query: TextQuery) -> Group:
    queryset = _ranked(
        access.visible_milestones(user).select_related("project__plan", "subitem", "unit"),
        query,
        "name",
        found=matches(query, ["name"]),
        then=["-project__plan__year", "due_date", "pk"],
    )
    rows, more = _first(queryset)
    hits = []
    for m in rows:
        where = [str(m.project)]
        if m.subitem is not None:
            where.append(f"{m.project.number}-{m.subitem.number} {m.subitem.name}")
        where.append(m.unit.name)
        hits.append(
            Hit(
                title=m.name,
                url=reverse("milestone_detail", args=[m.pk]),
                context=" · ".join(where),
                badge=m.due_date.strftime("%Y-%m-%d"),
            )
        )
    return Group("milestone", _("进度节点"), hits, more, _more_url("milestone_list", query))


def _units(user, query: TextQuery) -> Group:
    queryset = _ranked(
        access.findable_units(user).annotate(
            openable=Exists(access.visible_units(user).filter(pk=OuterRef("pk")))
        ),
        query,
        "name",
        found=matches(query, ["name", "full_name"]),
        similar=["full_name"],
        then=["order", "name"],
    )
    rows, more = _first(queryset)
    hits = [
        Hit(
            title=u.name,
            url=reverse("unit_detail", args=[u.pk]) if u.openable else None,
            context=u.full_name if u.full_name != u.name else "",
        )
        for u in rows
    ]
    return Group("unit", _("责任单位"), hits, more)


def _persons(user, query: TextQuery) -> Group:
    queryset = _ranked(
        access.findable_persons(user)
        .select_related("unit")
        .annotate(openable=Exists(access.visible_units(user).filter(pk=OuterRef("unit")))),
        query,
        "name",
        found=matches(query, ["name"]),
        then=["unit__order", "unit__name", "name", "pk"],
    )
    rows, more = _first(queryset)
    hits = [
        Hit(
            title=p.name,
            url=reverse("unit_detail", args=[p.unit_id]) if p.openable else None,
            context=" · ".join(x for x in (p.unit.name, p.title) if x),
        )
        for p in rows
    ]
    return Group("person", _("责任人"), hits, more)


def _mayors(user, query: TextQuery) -> Group:
    queryset = _ranked(
        access.findable_mayors(user).annotate(
            openable=Exists(access.visible_mayors(user).filter(pk=OuterRef("pk")))
        ),
        query,
        "name",
        found=matches(query, ["name", "portfolio"]),
        then=["order", "name"],
    )
    rows, more = _first(queryset)
    hits = [
        Hit(
            title=m.name,
            url=reverse("mayor_detail", args=[m.pk]) if m.openable else None,
            context=" · ".join(x for x in (m.title, m.portfolio) if x),
        )
        for m in rows
    ]
    return Group("mayor", _("分管市长"), hits, more)
