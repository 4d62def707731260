"""Site basics: the header's account links, favicon, robots.txt, sitemap,
absolute alternates and canonical links, meta descriptions, error pages, and
the markup of the faceted search pages."""

import re
from xml.etree import ElementTree

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from wagtail.models import Locale

import pytest

from hub.taxonomy import Sector
from hub.tests.factories import site_tree_build
from members.models import MemberStatus
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory
from search.services import index_refresh

HOST = "hub.example.org"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def site(db, settings):
    """The editorial tree (its Wagtail Site says `localhost`), translated into
    French and Dutch, a published and a pending member, a published and a
    draft experiment; requests come in on HOST."""
    settings.ALLOWED_HOSTS = [HOST, "testserver"]
    tree = site_tree_build()
    for code in ("fr", "nl"):
        locale = Locale.objects.get_or_create(language_code=code)[0]
        home = tree.home.copy_for_translation(locale)
        home.save_revision().publish()
        about = tree.standard.copy_for_translation(locale)
        about.slug = f"about-{code}"
        about.save_revision().publish()
    member = MemberFactory(
        name="Atelier Zinneke",
        headline="Community workshops that\n turn waste wood into furniture",
        status=MemberStatus.PUBLISHED,
    )
    pending = MemberFactory(name="Pending Collective", status=MemberStatus.PENDING)
    project = ProjectFactory(
        title="Zon voor huurders",
        summary="Tenants share the solar panels of their building. " * 8,
        status=ProjectStatus.PUBLISHED,
        owner=member,
    )
    draft = ProjectFactory(title="Draft idea", status=ProjectStatus.DRAFT, owner=member)
    return {
        "tree": tree,
        "member": member,
        "pending": pending,
        "project": project,
        "draft": draft,
    }


def path_in(name: str, lang: str, **kwargs) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def head_links(html: str, rel: str) -> dict[str, str]:
    found = re.findall(rf'<link rel="{rel}" hreflang="([^"]+)" href="([^"]+)">', html)
    return dict(found)


# -- header and footer ---------------------------------------------------------


def test_header_offers_sign_in_and_sign_up_to_visitors(client, site):
    """An anonymous visitor finds "Sign in" and "Sign up" in the header menu
    (and again in the footer), and no dashboard or sign-out."""
    html = client.get(path_in("members:detail", "en", slug=site["member"].slug)).text
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert f'href="{path_in("account_login", "en")}"' in header
    assert f'href="{path_in("account_signup", "en")}"' in header
    assert ">Sign in<" in header and ">Sign up<" in header
    assert "Dashboard" not in header and "Sign out" not in header
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'href="{path_in("account_signup", "en")}"' in footer
    # The menu is a disclosure that needs no script: closed by default.
    assert '<details id="site-menu" class="site-menu">' in header
    assert "<summary" in header


def test_header_offers_dashboard_and_a_post_sign_out_to_members(client, site):
    """A signed-in person finds "Dashboard", "Account settings" and "Sign out"
    (and no sign-in link); signing out is a
    POST form with a CSRF token (a link could be followed by a prefetcher)."""
    user = get_user_model().objects.create_user("ada", "ada@example.org", "pw")
    client.force_login(user)
    html = client.get(path_in("members:list", "fr")).text
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert f'href="{path_in("dashboard:home", "fr")}"' in header
    assert f'href="{path_in("dashboard:account_settings", "fr")}"' in header
    form = re.search(
        r'<form class="account-nav__sign-out" method="post" action="([^"]+)">'
        r"\s*<input type=\"hidden\" name=\"csrfmiddlewaretoken\"",
        header,
    )
    assert form and form[1] == path_in("account_logout", "fr")
    assert path_in("account_login", "fr") not in header
    response = client.post(form[1])
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_language_buttons_post_to_set_language(client, site):
    """The switcher is one POST form with a button per language (works without
    JavaScript) whose names are in their own language."""
    html = client.get(path_in("projects:list", "nl")).text
    form = html[html.index('<form id="language-switcher"') :]
    form = form[: form.index("</form>")]
    assert f'action="{reverse("set_language")}" method="post"' in form
    for code, name in (("en", "English"), ("fr", "Français"), ("nl", "Nederlands")):
        assert f'name="language" value="{code}" lang="{code}"' in form
        assert name in form
    assert 'value="nl" lang="nl" aria-current="true"' in form


# -- favicon, robots.txt, sitemap ----------------------------------------------


def test_favicons_are_linked_and_served(client, site):
    """The head links an SVG, a 32 px PNG and an apple-touch-icon that exist,
    and /favicon.ico answers with the icon instead of a 404."""
    html = client.get(site["tree"].home.url).text
    for href in ("/static/favicon.svg", "/static/favicon-32.png"):
        assert f'<link rel="icon" href="{href}"' in html
    assert '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">' in html
    for name in (
        "favicon.svg",
        "favicon-32.png",
        "apple-touch-icon.png",
        "favicon.ico",
    ):
        assert finders.find(name), name
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"


def test_robots_txt_allows_all_but_admin_and_dashboards(client, site):
    """robots.txt lets crawlers in, keeps them out of the admin and the members'
    dashboards in every language, and gives the sitemap's absolute address on
    the host that was asked."""
    response = client.get("/robots.txt", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    for code in ("en", "fr", "nl"):
        assert f"Disallow: /{code}/dashboard/" in lines
    assert "Disallow: /" not in lines
    assert f"Sitemap: http://{HOST}/sitemap.xml" in lines


def test_sitemap_lists_every_language_and_public_records_on_the_real_host(client, site):
    """The sitemap has the editorial pages of all three languages and every
    published profile and experiment in three languages with hreflang
    alternates; addresses are absolute on the requested host (not the Site's
    `localhost`); pending profiles and drafts are left out."""
    response = client.get("/sitemap.xml", HTTP_HOST=HOST)
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    locations = [loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)]
    assert locations and all(u.startswith(f"http://{HOST}/") for u in locations)
    paths = {u.removeprefix(f"http://{HOST}") for u in locations}
    assert {"/en/", "/fr/", "/nl/", "/en/about/", "/fr/about-fr/", "/nl/about-nl/"} <= (
        paths
    )
    for lang in ("en", "fr", "nl"):
        assert path_in("members:detail", lang, slug=site["member"].slug) in paths
        assert path_in("projects:detail", lang, slug=site["project"].slug) in paths
    assert not any(site["pending"].slug in p or site["draft"].slug in p for p in paths)
    xml = response.text
    assert 'hreflang="x-default"' in xml
    assert f'hreflang="fr" href="http://{HOST}/fr/members/' in xml


# -- alternates, canonical links, descriptions ----------------------------------


def test_alternates_are_absolute_with_x_default(client, site):
    """A profile lists its three languages and x-default (English) as absolute
    addresses on the requested host; a Wagtail page lists only its real
    translations."""
    member_fr = path_in("members:detail", "fr", slug=site["member"].slug)
    html = client.get(member_fr, HTTP_HOST=HOST).text
    links = head_links(html, "alternate")
    for lang in ("en", "fr", "nl"):
        assert links[lang] == f"http://{HOST}" + path_in(
            "members:detail", lang, slug=site["member"].slug
        )
    assert links["x-default"] == links["en"]
    assert f'<link rel="canonical" href="http://{HOST}{member_fr}">' in html

    html = client.get("/nl/about-nl/", HTTP_HOST=HOST).text
    assert head_links(html, "alternate") == {
        "en": f"http://{HOST}/en/about/",
        "fr": f"http://{HOST}/fr/about-fr/",
        "nl": f"http://{HOST}/nl/about-nl/",
        "x-default": f"http://{HOST}/en/about/",
    }
    assert f'<link rel="canonical" href="http://{HOST}/nl/about-nl/">' in html

    # The news index has no translation: no alternates at all.
    html = client.get(site["tree"].news_index.url, HTTP_HOST=HOST).text
    assert head_links(html, "alternate") == {}


def test_meta_descriptions_of_profile_experiment_and_search(client, site):
    """Profiles describe themselves with their headline, experiments with their
    summary (trimmed to one line of at most 160 characters), the search pages
    with a sentence of their own."""
    html = client.get(site["member"].get_absolute_url()).text
    assert (
        '<meta name="description" content="Community workshops that turn waste '
        'wood into furniture">' in html
    )
    html = client.get(site["project"].get_absolute_url()).text
    description = re.search(r'<meta name="description" content="([^"]+)">', html)[1]
    assert description.startswith("Tenants share the solar panels")
    assert len(description) <= 160 and description.endswith("…")
    for name in ("members:list", "projects:list"):
        html = client.get(path_in(name, "en")).text
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), name


# -- error pages -----------------------------------------------------------------


def test_not_found_is_the_hubs_page_in_the_visitors_language(client, site):
    """With DEBUG off, a missing page is the hub's own 404: in the language of
    the address, with the header, a search box and a link home."""
    response = client.get("/fr/pas-de-page-ici/")
    assert response.status_code == 404
    html = response.text
    assert '<html lang="fr">' in html
    assert '<header class="site-header">' in html
    assert f'action="{path_in("search", "fr")}"' in html and 'name="q"' in html
    assert 'href="/fr/"' in html
    assert '<meta name="robots" content="noindex">' in html

    # An unknown language prefix ends on the hub's page too, in the visitor's
    # language (here from Accept-Language).
    response = client.get("/de/", HTTP_ACCEPT_LANGUAGE="nl", follow=True)
    assert response.status_code == 404
    assert '<html lang="nl">' in response.text
    assert 'class="site-header"' in response.text


def test_server_error_page_needs_no_database(site, django_assert_num_queries):
    """The 500 page renders without a single query (the database may be what
    failed), in the active language, with the hub's stylesheet."""
    request = RequestFactory().get("/fr/")
    with translation.override("fr"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "/static/css/hub.css" in html
    assert 'href="/fr/"' in html


# -- faceted search markup ---------------------------------------------------------


def test_search_page_markup_is_valid_and_announces_the_count_politely(
    client, db, search_index, settings, django_capture_on_commit_callbacks
):
    """The search pages use data-hx-* (valid HTML) only; the count is read out
    by one polite live region outside the swapped part, not by the heading; the
    filters sit in a "Filters (n)" disclosure whose groups are collapsible and
    whose long lists keep their tail behind "more"."""
    settings.HUB_EMBEDDINGS = False
    site_tree_build()
    sectors = [
        Sector.objects.create(
            slug=f"sector-{i}",
            name_en=f"Sector {i}",
            name_fr=f"Secteur {i}",
            name_nl=f"Sector {i}",
        )
        for i in range(12)
    ]
    # The outbox is drained when the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(len(sectors)):
            member = MemberFactory(status=MemberStatus.PUBLISHED)
            member.sectors.add(*sectors[: i + 1])
    index_refresh()
    html = client.get("/en/members/", {"sector": "sector-11"}).text
    assert not re.search(r"\shx-[a-z]", html)
    assert 'data-hx-get="/en/members/"' in html
    assert '<div id="search-status" class="visually-hidden" role="status">' in html
    assert '<h2 id="results-heading" class="result-count">' in html
    body = html[html.index('<div id="search-body"') :]
    assert "search-status" not in body
    assert re.search(r"<summary[^>]*>Filters \(1\)</summary>", body)
    assert '<details id="facet-sector" class="facet" data-open-from="50rem" open>' in (
        body
    )
    # Twelve sectors: six shown, six more behind a disclosure that is open
    # because the ticked one is among them.
    more = body[body.index('id="facet-sector-more"') :]
    assert more.startswith('id="facet-sector-more" class="facet__more" open>')
    assert "6 more" in more[: more.index("</summary>")]


def test_search_results_link_to_pages_in_the_visitors_language(
    client, db, search_index, settings, django_capture_on_commit_callbacks
):
    """The index keeps one address per record (written in the language of the
    indexing); result links are made in the language of the search page."""
    settings.HUB_EMBEDDINGS = False
    site_tree_build()
    with django_capture_on_commit_callbacks(execute=True):
        member = MemberFactory(name="Atelier Zinneke", status=MemberStatus.PUBLISHED)
        project = ProjectFactory(
            title="Zon voor huurders", status=ProjectStatus.PUBLISHED, owner=member
        )
    index_refresh()
    for lang in ("fr", "nl"):
        html = client.get(path_in("members:list", lang), {"q": "Zinneke"}).text
        assert f'href="{path_in("members:detail", lang, slug=member.slug)}"' in html
        html = client.get(path_in("projects:list", lang), {"q": "huurders"}).text
        assert f'href="{path_in("projects:detail", lang, slug=project.slug)}"' in html
        html = client.get(path_in("search", lang), {"q": "Zinneke"}).text
        assert f'href="{path_in("members:detail", lang, slug=member.slug)}"' in html
