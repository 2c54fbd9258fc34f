"""The English interface: pages render in English when asked, Chinese stays the default, and the
English catalogue is complete, with every placeholder and tag of its Chinese msgids kept."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from taolun.core.context_processors import NAV_ITEMS

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# %(name)s, %s, %d, %.1f, %(size).1f, %% (python-format); {0}, {name} (str.format); HTML tags.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}|<[^<>]+>")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def navigation(html: str) -> str:
    """The site navigation's text, without the switch that names Chinese in Chinese on purpose."""
    nav = re.search(r'<nav id="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    without_switch = re.sub(r'<button[^>]*lang="zh-hans"[^>]*>.*?</button>', "", nav.group(0), flags=re.S)
    return re.sub(r"<[^>]+>", " ", without_switch)


def catalogue_labels() -> set[str]:
    return {e.msgid for e in polib.pofile(str(CATALOGUE)) if e.msgid}


def assert_no_chinese_labels(text: str) -> None:
    assert not CJK.search(text), f"Chinese left in the navigation: {text!r}"
    assert not [label for label in catalogue_labels() if label in text]


# --- pages --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_home_page_in_english_from_accept_language(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    for words in ("Skip to main content", "Log in", "Home", "Taolun · campaign management platform"):
        assert words in html
    assert_no_chinese_labels(navigation(html))


@pytest.mark.django_db
def test_login_page_in_english_from_the_language_cookie(client):
    html = english(client).get(reverse("accounts:login")).content.decode()
    for words in ("Log in", "Forgot your password?", "Username", "Password"):
        assert words in html
    assert "登录" not in html and "忘记密码" not in html
    assert_no_chinese_labels(navigation(html))


@pytest.mark.django_db
def test_staff_page_in_english_for_the_office(org, login):
    html = english(login(org.user("office"))).get(reverse("orgs:person_list")).content.decode()
    for words in ("People", "Filter", "Add person", "Mobile number", "ID card number", "Training batch", "Log out"):
        assert words in html
    nav = navigation(html)
    for words in ("Home", "Campaigns", "Organisation", "Roster import", "Role assignments", "Audit log"):
        assert words in nav
    assert_no_chinese_labels(nav)
    # Apart from the data (names of people and units), nothing Chinese is left on the page.
    page = re.sub(r'<button[^>]*lang="zh-hans"[^>]*>.*?</button>', "", html, flags=re.S)
    for person in (org.person_a, org.person_b):
        for data in (person.name, person.position, person.unit.name):
            page = page.replace(data, "")
    assert not CJK.findall(page)


@pytest.mark.django_db
def test_chinese_stays_the_default_and_djangos_own_strings_come_from_django(client):
    html = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html
    assert "这个字段是必填项。" in html  # Django's own zh_Hans catalogue
    english_html = english(client).post(reverse("accounts:login"), {"username": "", "password": ""})
    assert "This field is required." in english_html.content.decode()


def test_navigation_labels_translate():
    with translation.override("en"):
        labels = [str(label) for _, label, _ in NAV_ITEMS]
    assert labels == [
        "Home",
        "Campaigns",
        "Activities",
        "My activities",
        "Research topics",
        "My research topic",
        "Problem ledger",
        "My rectification tasks",
        "Self-examination",
        "My reflection article",
        "Article review",
        "Reflection articles",
        "Publish excellent articles",
        "Reference library",
        "Online discussion",
        "Discussion moderation",
        "Suggestions to answer",
        "Organisation",
        "People",
        "Roster import",
        "Role assignments",
        "Audit log",
    ]


# --- the catalogue ------------------------------------------------------------------------
def test_english_catalogue_is_complete_and_not_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 0
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Language"] == "en"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []
    for entry in catalogue:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_translation_keeps_the_placeholders_and_tags_of_its_msgid():
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        expected = placeholders(entry.msgid)
        if entry.msgid_plural:
            assert placeholders(entry.msgid_plural) == expected, entry.msgid
            translations = list(entry.msgstr_plural.values())
        else:
            translations = [entry.msgstr]
        wrong += [(entry.msgid, text) for text in translations if placeholders(text) != expected]
    assert wrong == []


def test_compiled_catalogue_matches_the_po_file():
    translated = polib.pofile(str(CATALOGUE)).translated_entries()
    po = {(e.msgctxt, e.msgid): e.msgstr_plural or e.msgstr for e in translated if e.msgid}
    mo = {
        (e.msgctxt, e.msgid): e.msgstr_plural or e.msgstr
        for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
        if e.msgid
    }
    assert mo == po, "run `make compilemessages`"
