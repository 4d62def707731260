"""The site in English, French and Dutch: catalogues, prefixed URLs, switcher."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from wagtail.models import Locale

import polib
import pytest

from hub.language import localize_link
from hub.tests.factories import site_tree_build
from members.models import MemberStatus
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus, Stage
from projects.tests.factories import ProjectFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
TRANSLATED = ["fr", "nl"]
# What makemessages reads: the apps and the templates.
SOURCE_DIRS = ["events", "hub", "members", "projects", "search", "templates"]


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def entry_key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_passes_msgfmt_check(language):
    """`msgfmt --check` accepts the catalogue: header, formats, plural forms."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install Debian's gettext package"
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(catalogue_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_not_older_than_its_source(language):
    """The committed .mo holds the .po's translations (compilemessages was run)."""
    po = polib.pofile(str(catalogue_path(language)))
    mo = polib.mofile(str(catalogue_path(language).with_suffix(".mo")))
    compiled = {entry_key(entry): entry for entry in mo}
    for entry in po.translated_entries():
        assert entry_key(entry) in compiled, entry.msgid
        assert compiled[entry_key(entry)].msgstr == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", TRANSLATED)
def test_french_and_dutch_catalogues_translate_every_string(language):
    """No entry is left untranslated or fuzzy; plural entries fill every form."""
    po = polib.pofile(str(catalogue_path(language)))
    assert len(po) > 500
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {language}: {untranslated}"
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy}"
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), entry.msgid
    assert po.metadata["Language"] == language
    assert "nplurals=2" in po.metadata["Plural-Forms"]


def test_catalogues_hold_every_string_of_the_sources(tmp_path):
    """makemessages over a copy of the sources finds no string the catalogues lack.

    A new {% translate %} or gettext() without a catalogue update fails here, so
    it cannot reach the site untranslated.
    """
    assert shutil.which("xgettext"), "xgettext is missing: install gettext"
    for name in SOURCE_DIRS:
        shutil.copytree(
            Path(settings.BASE_DIR) / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    (tmp_path / "locale").mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
            call_command("makemessages", locale=["fr"], verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))
    for language in LANGUAGES:
        committed = {entry_key(e) for e in polib.pofile(str(catalogue_path(language)))}
        missing = [e.msgid for e in extracted if entry_key(e) not in committed]
        assert missing == [], (
            f"not in locale/{language}: {missing}; run `manage.py makemessages "
            "-l fr -l nl -l en --ignore=.venv --ignore=node_modules`, translate, "
            "then `compilemessages`"
        )


@pytest.fixture
def network(db):
    """The editorial tree, a published member and a published experiment."""
    tree = site_tree_build()
    member = MemberFactory(name="Atelier Zinneke", status=MemberStatus.PUBLISHED)
    project = ProjectFactory(
        title="Zon voor huurders",
        status=ProjectStatus.PUBLISHED,
        stage=Stage.PILOT,
        owner=member,
    )
    return tree, member, project


PAGES = {
    # name: (URL name or callable, {language: text only that language shows})
    "search": (
        lambda _n: reverse("search"),
        {
            "en": "Search pages, news and events",
            "fr": "Rechercher des pages, actualités et événements",
            "nl": "Zoeken in pagina's, nieuws en evenementen",
        },
    ),
    "member search": (
        lambda _n: reverse("members:list"),
        {
            "en": "Find collaborators",
            "fr": "Trouver des partenaires",
            "nl": "Partners vinden",
        },
    ),
    "profile": (
        lambda n: n[1].get_absolute_url(),
        {"en": "Members", "fr": "Membres", "nl": "Leden"},
    ),
    "project": (
        lambda n: n[2].get_absolute_url(),
        {"en": "Pilot", "fr": "Projet pilote", "nl": "Proefproject"},
    ),
    "sign-up": (
        lambda _n: reverse("account_signup"),
        # "Sign up" everywhere (S'inscrire: its apostrophe is escaped in HTML).
        {"en": "Sign up", "fr": "inscrire", "nl": "Registreren"},
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_pages_render_in_each_language(client, network, name, language):
    """Each page answers under its language prefix, in that language."""
    url_for, texts = PAGES[name]
    with translation.override(language):
        url = url_for(network)
    assert url.startswith(f"/{language}/")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert texts[language] in html
    for other, text in texts.items():
        if other != language and text not in texts[language]:
            assert text not in html, (other, text)


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Dashboard"), ("fr", "Tableau de bord"), ("nl", "Dashboard")],
)
def test_dashboard_renders_in_each_language(client, network, language, heading):
    """A signed-in member's dashboard follows the language of its URL."""
    user = get_user_model().objects.create_user("ana", "ana@example.org", "pw")
    client.force_login(user)
    with translation.override(language):
        url = reverse("dashboard:home")
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_home_page_is_served_per_language_with_its_translation(client, network):
    """/fr/ serves the French translation of the home page, /nl/ the Dutch one."""
    tree = network[0]
    for code in ("fr", "nl"):
        locale = Locale.objects.get_or_create(language_code=code)[0]
        home = tree.home.copy_for_translation(locale)
        home.title = f"Home {code}"
        home.hero_heading = f"Accueil-{code}"
        home.save_revision().publish()
    assert "Accueil-fr" in client.get("/fr/").content.decode()
    assert "Accueil-nl" in client.get("/nl/").content.decode()
    english = client.get("/en/").content.decode()
    assert "Accueil-" not in english


def test_switcher_lists_languages_by_their_own_names_and_keeps_the_page(
    client, network
):
    """The header form posts to set_language with `next` = the current page;
    each language is a submit button named in its own language, the current
    one marked with aria-current."""
    member = network[1]
    with translation.override("fr"):
        url = member.get_absolute_url()
    html = client.get(url).content.decode()
    assert 'id="language-switcher"' in html
    assert f'action="{reverse("set_language")}"' in html
    for label in ("English", "Français", "Nederlands"):
        assert f'<span class="language-switcher__name">{label}</span>' in html
    assert (
        '<button type="submit" name="language" value="fr" lang="fr" '
        'aria-current="true">' in html
    )
    # `next` has no language prefix: after the choice is stored, the language
    # middleware sends the visitor to the same page in the new language.
    assert f'name="next" value="{url.removeprefix("/fr")}"' in html


def test_set_language_keeps_the_visitor_on_the_same_page(client, network):
    """Choosing Dutch on /fr/members/x/ goes to /nl/members/x/ and is remembered."""
    member = network[1]
    with translation.override("fr"):
        french = member.get_absolute_url()
    html = client.get(french).content.decode()
    assert f'name="next" value="{french.removeprefix("/fr")}"' in html
    response = client.post(
        reverse("set_language"),
        {"language": "nl", "next": french.removeprefix("/fr")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == french.replace("/fr/", "/nl/", 1)
    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    # The remembered choice now wins for unprefixed addresses.
    response = client.get("/members/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"] == "/nl/members/"


def test_set_language_on_a_wagtail_page_goes_to_its_translation(client, network):
    """The switcher's `next` for a page redirects to its translation, any slug."""
    tree = network[0]
    locale = Locale.objects.get_or_create(language_code="nl")[0]
    tree.home.copy_for_translation(locale).save_revision().publish()
    about_nl = tree.standard.copy_for_translation(locale)
    about_nl.title, about_nl.slug = "Over het netwerk", "over-ons"
    about_nl.save_revision().publish()

    html = client.get(tree.standard.url).content.decode()
    next_url = reverse("page_in_language", args=[tree.standard.pk])
    assert f'name="next" value="{next_url}"' in html
    assert 'hreflang="nl" href="http://testserver/nl/over-ons/"' in html
    response = client.post(
        reverse("set_language"), {"language": "nl", "next": next_url}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/nl/over-ons/"
    assert "Over het netwerk" in response.content.decode()

    # Without a translation the visitor lands on the home page of the language.
    client.post(reverse("set_language"), {"language": "fr", "next": next_url})
    response = client.get(next_url)
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("fr-BE,fr;q=0.9,en;q=0.5", "/fr/"), ("nl-BE,nl;q=0.9", "/nl/"), ("de", "/en/")],
)
def test_unprefixed_address_redirects_by_accept_language(
    client, network, accept, expected
):
    """Without a remembered choice, Accept-Language decides; English otherwise."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected
    response = client.get("/search/?q=logement", HTTP_ACCEPT_LANGUAGE=accept)
    assert response["Location"] == f"{expected}search/?q=logement"


def test_cookie_choice_wins_over_accept_language(client, network):
    """The remembered language beats the browser's preference."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Location"] == "/nl/"


def test_machine_addresses_have_no_language_prefix(client, db):
    """The API, the sitemap and set_language keep one address."""
    assert reverse("set_language") == "/i18n/setlang/"
    assert reverse("sitemap") == "/sitemap.xml"
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_navigation_links_follow_the_visitor_language(network):
    """Site paths get the prefix; interface labels and chosen pages translate."""
    tree = network[0]
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    tree.home.copy_for_translation(locale).save_revision().publish()
    news_fr = tree.news_index.copy_for_translation(locale)
    news_fr.title = "Actualités"
    news_fr.save_revision().publish()
    with translation.override("fr"):
        assert localize_link(
            value={"label": "Members", "page": None, "url": "/members/"}
        ) == ("/fr/members/", "Membres")
        assert localize_link(
            value={"label": "", "page": tree.news_index, "url": ""}
        ) == (news_fr.url, "Actualités")
        assert localize_link(
            value={"label": "Partner site", "page": None, "url": "https://x.be/"}
        ) == ("https://x.be/", "Partner site")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234.5"), ("fr", "1\xa0234,5"), ("nl", "1.234,5")],
)
def test_numbers_are_localised(language, expected):
    """Numbers use the separators of the active language."""
    from django.utils.formats import number_format

    with translation.override(language):
        assert number_format(1234.5, 1, force_grouping=True) == expected


def test_dates_and_plurals_are_localised():
    """Month names and plural forms follow the language."""
    from datetime import date

    from django.template import Context, Template

    template = Template(
        "{% load i18n %}{{ day|date:'DATE_FORMAT' }} "
        "{% blocktranslate count counter=n %}{{ counter }} member{% plural %}"
        "{{ counter }} members{% endblocktranslate %}"
    )
    day = date(2026, 3, 5)
    rendered = {}
    for language in LANGUAGES:
        with translation.override(language):
            rendered[language] = template.render(Context({"day": day, "n": 2}))
    assert "March" in rendered["en"] and "2 members" in rendered["en"]
    assert "mars" in rendered["fr"] and "2 membres" in rendered["fr"]
    assert "maart" in rendered["nl"] and "2 leden" in rendered["nl"]
    with translation.override("fr"):
        one = template.render(Context({"day": day, "n": 1}))
    assert "1 membre" in one and "1 membres" not in one


def test_site_search_finds_the_pages_of_the_visitor_language(client, network):
    """/fr/search/ searches the French tree, /en/search/ the English one."""
    tree = network[0]
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    tree.home.copy_for_translation(locale).save_revision().publish()
    about_fr = tree.standard.copy_for_translation(locale)
    about_fr.title = "À propos du réseau"
    about_fr.save_revision().publish()
    french = client.get("/fr/search/", {"q": "réseau"}).content.decode()
    assert "À propos du réseau" in french
    english = client.get("/en/search/", {"q": "réseau"}).content.decode()
    assert "À propos du réseau" not in english


def test_facet_labels_follow_the_active_language(db):
    """Sectors and UN goals in facets are named in the visitor's language."""
    from hub.taxonomy import Sector
    from search.labels import FacetLabels

    Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Wonen"
    )
    expected = {
        "en": ("Housing", "Climate action"),
        "fr": (
            "Logement",
            "Mesures relatives à la lutte contre les changements climatiques",
        ),
        "nl": ("Wonen", "Klimaatactie"),
    }
    for language, (sector, goal) in expected.items():
        with translation.override(language):
            labels = FacetLabels()
            assert labels("sector", "housing") == sector
            assert labels("sdg", "13") == f"13. {goal}"
