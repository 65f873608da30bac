"""Generated hostile input for the input tests: deterministic lists of values that
have broken web forms somewhere (lengths at and over limits, NUL and control
characters, bidi and zero-width marks, characters outside the BMP, wrong types),
and a prober that posts each one inside a savepoint and says what went wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm

from tests.security.bounded import checksum, is_chinese

PDF = b"%PDF-1.4\n%%EOF\n"
XLSX_MAGIC = b"PK\x03\x04"

# Every text field gets these, plus lengths around its limit.
TEXT: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   "),
    ("ideographic space", "\u3000\u3000"),
    ("nul", "\x00"),
    ("nul inside", "推进\x00中"),
    ("nul run", "\x00" * 64),
    ("c0 controls", "".join(chr(c) for c in range(1, 32))),
    ("del and c1", "\x7f\x80\x85\x9f"),
    ("ansi escape", "\x1b[31m红\x1b[0m"),
    ("cr only", "行一\r行二"),
    ("crlf header", "x\r\nBcc: evil@example.com\r\n"),
    ("line separators", "a\u2028b\u2029c\x85d"),
    ("rlo", "\u202egnp.exe"),
    ("bidi isolates", "\u2066\u2067\u2068abc\u2069\u202a\u202b\u202c\u202d"),
    ("zero width", "\u200b\u200c\u200d\u2060"),
    ("bom", "\ufeff推进"),
    ("only zero width", "\u200b"),
    ("combining flood", "e" + "\u0301" * 500),
    ("emoji", "😀🎉"),
    ("zwj family", "👨\u200d👩\u200d👧\u200d👦"),
    ("cjk ext b", "𠀀𠀁𪚥"),
    ("noncharacters", "\ufffe\uffff\U0010ffff"),
    ("private use", "\ue000\U000f0000"),
    ("nfkc expands", "ﬀ" * 50 + "½"),
    ("html", "<script>alert(1)</script><img src=x onerror=alert(1)>"),
    ("template", "{{ request }}{% debug %}"),
    ("format", "%s %d %(name)s {0} {name}"),
    ("formula", '=HYPERLINK("http://x","y")'),
]

INTEGER: list[tuple[str, str]] = [
    ("empty", ""),
    ("letters", "abc"),
    ("nul", "\x00"),
    ("digit and nul", "1\x00"),
    ("negative", "-1"),
    ("over", "101"),
    ("fraction", "1.5"),
    ("exponent", "1e3"),
    ("huge exponent", "1e309"),
    ("nan", "NaN"),
    ("infinity", "inf"),
    ("hex", "0x10"),
    ("underscore", "1_0"),
    ("full width", "５０"),
    ("arabic indic", "٥٠"),
    ("thousands", "1,000"),
    ("30 digits", "9" * 30),
    ("4300 digits", "9" * 4300),
    ("minus zero", "-0"),
    ("spaces", " 50 "),
    ("plus", "+50"),
    ("emoji", "😀"),
    ("superscript", "²"),
]

DECIMAL: list[tuple[str, str]] = [
    *INTEGER,
    ("many decimals", "1.123456789"),
    ("comma decimal", "1,5"),
    ("big", "9" * 13 + ".99"),
    ("too big", "9" * 20),
    ("tiny", "1e-30"),
    ("negative nan", "-NaN"),
    ("snan", "sNaN"),
    ("infinity word", "Infinity"),
]

DATE: list[tuple[str, str]] = [
    ("empty", ""),
    ("letters", "abc"),
    ("nul", "\x00"),
    ("date and nul", "2010-09-01\x00"),
    ("february 30", "2010-02-30"),
    ("month 13", "2010-13-01"),
    ("zeros", "0000-00-00"),
    ("year one", "0001-01-01"),
    ("year 9999", "9999-12-31"),
    ("five digit year", "10000-01-01"),
    ("negative year", "-2010-01-01"),
    ("slashes", "2010/09/01"),
    ("chinese", "2010年9月1日"),
    ("full width", "２０１０-０９-０１"),
    ("with time", "2010-09-01T10:00:00"),
    ("timestamp", "1283299200"),
    ("huge", "9" * 100),
    ("future", "2099-01-01"),
    ("before plan", "1999-12-31"),
]

CHOICE: list[tuple[str, str]] = [
    ("empty", ""),
    ("unknown", "abc"),
    ("nul", "\x00"),
    ("value and nul", "done\x00"),
    ("upper", "DONE"),
    ("spaces", " done "),
    ("number", "1"),
    ("long", "x" * 10_000),
    ("emoji", "😀"),
    ("quote", "'\""),
]

BOOLEAN: list[tuple[str, str]] = [
    ("empty", ""),
    ("false word", "false"),
    ("nul", "\x00"),
    ("number", "2"),
    ("long", "on" * 5000),
]


def _pick(values, labels):
    chosen = [(label, value) for label, value in values if label in labels]
    assert len(chosen) == len(labels), "unknown label"
    return chosen


# Fewer for secondary fields and query strings: the kinds that have broken something.
TEXT_SHORT = _pick(
    TEXT,
    {
        "empty",
        "nul",
        "nul inside",
        "c0 controls",
        "crlf header",
        "rlo",
        "zero width",
        "combining flood",
        "cjk ext b",
        "noncharacters",
        "html",
        "format",
    },
)
DECIMAL_SHORT = _pick(
    DECIMAL,
    {"letters", "nul", "negative", "huge exponent", "nan", "infinity word", "too big", "snan"},
)
INTEGER_SHORT = _pick(
    INTEGER,
    {"empty", "letters", "nul", "negative", "fraction", "huge exponent", "nan", "4300 digits"},
)


def text_values(limit: int | None, short: bool = False) -> list[tuple[str, str]]:
    """The hostile texts, and lengths at, over and far over ``limit`` (in characters
    outside the BMP: 4 bytes each in UTF-8)."""
    values = list(TEXT_SHORT if short else TEXT)
    if limit:
        values += [
            ("at limit", "𠀀" * limit),
            ("over limit", "𠀀" * (limit + 1)),
            ("ten times limit", "a" * (limit * 10)),
        ]
    elif short:
        values += [("101 characters", "理" * 101), ("10k characters", "理" * 10_000)]
    if not short:
        values += [("100k characters", "长" * 100_000)]
    return values


def evidence_files() -> list[tuple[str, list[SimpleUploadedFile]]]:
    """Uploads with hostile names and contents (a fresh list each time: files are read)."""

    def one(name, content=PDF, content_type="application/pdf"):
        return [SimpleUploadedFile(name, content, content_type=content_type)]

    return [
        ("nul in name", one("a\x00b.pdf")),
        ("nul before extension", one("report.pdf\x00.exe")),
        ("path traversal", one("../../../etc/passwd.pdf")),
        ("windows path", one("C:\\Windows\\system32\\a.pdf")),
        ("255 characters", one("证" * 251 + ".pdf")),
        ("1000 characters", one("证" * 996 + ".pdf")),
        ("emoji name", one("😀𠀀.pdf")),
        ("rlo name", one("report\u202egnp.pdf")),
        ("control characters", one("a\x01\x1b\x7f.pdf")),
        ("crlf in name", one("a\r\nContent-Type: text/html.pdf")),
        ("quotes", one("a\"';.pdf")),
        ("dot only", one(".pdf")),
        ("upper extension", one("A.PDF")),
        ("double extension", one("a.pdf.exe")),
        ("empty content", one("a.pdf", b"")),
        ("html as pdf", one("a.pdf", b"<html><script>alert(1)</script>")),
        ("broken docx", one("a.docx", XLSX_MAGIC + b"garbage")),
        ("svg", one("a.svg", b"<svg onload=alert(1)>", "image/svg+xml")),
        ("eleven files", [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(11)]),
    ]


# --- Posting and judging ---------------------------------------------------------------

ALLOWED = {200, 302, 400, 403, 404, 405, 429}
Factory = Callable[[], dict]


@dataclasses.dataclass
class Target:
    """A form view: who posts, where, a submission that succeeds, and which
    tables a refusal must leave as they were."""

    name: str
    url: str
    base: dict
    tables: tuple[str, ...]
    ok_status: int = 302  # what success answers (a preview: 200)
    expect_success: bool = True


def form_errors(response) -> list[str]:
    """Every error of every form in the page's context."""
    found: list[str] = []
    if response.context is None:
        return found
    seen = set()
    for key in response.context.keys():  # noqa: SIM118 (a ContextList iterates contexts)
        value = response.context.get(key)
        if isinstance(value, BaseForm) and id(value) not in seen:
            seen.add(id(value))
            for errors in value.errors.values():
                found.extend(str(e) for e in errors)
    return found


def error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= constants.ERROR]


def judge(response, target: Target, before: str) -> str | None:
    """What is wrong with the response to a hostile post, if anything."""
    status = response.status_code
    if status not in ALLOWED:
        return f"HTTP {status}"
    refused = status != target.ok_status
    errors: list[str] = []
    if status in (200, 302):
        errors = error_messages(response)
        if status == 200:
            errors += form_errors(response)
        refused = refused or bool(errors)
        if refused and status == 200 and not errors:
            return "HTTP 200 without a message"
    if refused:
        english = [e for e in errors if not is_chinese(e)]
        if english:
            return f"message not in Chinese: {english[:2]}"
        if checksum(*target.tables) != before:
            return f"refused (HTTP {status}) but the database changed"
    return None


def probe(client, target: Target, data: dict, before: str | None = None, **kwargs):
    """Post ``data`` to the target inside a savepoint that is rolled back, so each
    probe starts from the same database (pass ``before``, its checksum, to save
    computing it again); returns (the problem or None, the status)."""
    # Messages a previous probe left in the client's cookie would read as this one's.
    client.cookies.pop("messages", None)
    with transaction.atomic():
        if before is None:
            before = checksum(*target.tables)
        response = client.post(target.url, data, **kwargs)
        status = response.status_code
        problem = f"HTTP {status}" if status >= 500 else judge(response, target, before)
        transaction.set_rollback(True)
    return problem, status


def variants(base: dict, fields: dict[str, Iterable[tuple[str, object]]]):
    """(label, data): the base submission with one field replaced, dropped or doubled."""
    for field, values in fields.items():
        for label, value in values:
            yield f"{field}={label}", {**base, field: value}
        if field in base:
            yield f"{field} missing", {k: v for k, v in base.items() if k != field}
            yield f"{field} twice", {**base, field: [base[field], "x"]}
