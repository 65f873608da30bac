"""English as the second UI language: every string translated, and switchable.

``makemessages -l en`` runs on a temporary copy of the sources, so the test sees the
strings the code has now (not only those of the committed catalogue) without
touching the working tree.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = [
    "manage.py",
    "zhucheng",
    "common",
    "responsibility",
    "projects",
    "assessment",
    "documents",
    "templates",
    "locale",
]


def untranslated(po: polib.POFile) -> list[str]:
    return [
        e.msgid
        for e in po
        if not e.obsolete
        and (
            "fuzzy" in e.flags
            or (not e.msgid_plural and not e.msgstr.strip())
            or (e.msgid_plural and not all(v.strip() for v in e.msgstr_plural.values()))
        )
    ]


def test_committed_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert len(po) > 100
    assert untranslated(po) == []
    # The compiled catalogue says the same as the .po (else: run compilemessages).
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    stale = [
        e.msgid
        for e in po
        if not e.obsolete and not e.msgid_plural and compiled.get(e.msgid) != e.msgstr
    ]
    assert stale == [], "run compilemessages: " + " | ".join(stale[:10])


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory) -> polib.POFile:
    copy = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def test_makemessages_leaves_no_untranslated_string(fresh_catalogue):
    missing = untranslated(fresh_catalogue)
    assert not missing, f"{len(missing)} strings need English: " + " | ".join(missing[:20])


# Ideographs (not punctuation) outside {% translate %} / {% blocktranslate %} in templates.
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
TRANSLATE = re.compile(r"{%\s*trans(?:late)?\s+(\"[^\"]*\"|'[^']*')[^%]*%}")
LAZY = re.compile(r"_\((\"[^\"]*\"|'[^']*')\)")
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<!--.*?-->", re.S)


def test_templates_have_no_untranslatable_chinese():
    found = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        text = LAZY.sub("", TRANSLATE.sub("", BLOCK.sub("", text)))
        for number, line in enumerate(text.splitlines(), 1):
            if IDEOGRAPH.search(line):
                found.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()[:100]}")
    assert not found, "wrap in {% translate %} (dates: |date:'DATE_FORMAT'):\n" + "\n".join(found)


def test_language_switch_turns_the_ui_english_and_back(city, client, settings):
    settings.ZHUCHENG_TODAY = "2010-06-25"
    client.force_login(city.alice)
    page = client.get("/my/").content.decode()
    assert '<html lang="zh-CN">' in page and "我的任务" in page

    response = client.post(reverse("set_language"), {"language": "en", "next": "/my/"})
    assert response.status_code == 302 and response["Location"] == "/my/"
    page = client.get("/my/").content.decode()
    assert '<html lang="en">' in page
    assert "My work" in page and "Sign out" in page and "我的任务" not in page

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/my/"})
    assert "我的任务" in client.get("/my/").content.decode()


def test_sign_in_page_offers_english_without_javascript(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="en"' in page
