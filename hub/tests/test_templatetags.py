"""SEO tags, site settings in the layout, and the sitemap."""

from django.template import Context, Template
from django.test import RequestFactory

from hub.models import SiteSettings
from hub.templatetags.hub_tags import tel_href


def meta(html: str, prop: str) -> str:
    marker = f'property="{prop}" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_open_graph_tags_of_a_news_page(client, tree):
    """A news page has title, description, URL, type and image for sharing."""
    html = client.get(tree.news.url).text
    # On the host the request came in on (the test client's), not the Site's
    # `localhost`.
    full_url = "http://testserver" + tree.news.url
    assert meta(html, "og:title") == tree.news.title
    assert meta(html, "og:description") == tree.news.intro
    assert meta(html, "og:url") == full_url
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:image").startswith("http://testserver/media/images/")
    assert f'<link rel="canonical" href="{full_url}">' in html
    assert f'<meta name="description" content="{tree.news.intro}">' in html


def test_seo_title_and_search_description_win(client, tree):
    """seo_title fills <title> and og:title; search_description the description."""
    tree.standard.seo_title = "About the Brussels hub"
    tree.standard.save_revision().publish()
    html = client.get(tree.standard.url).text
    assert "<title>About the Brussels hub · Social Innovation Hub</title>" in html
    assert meta(html, "og:title") == "About the Brussels hub"
    assert meta(html, "og:description") == "Who we are and how the hub works."
    assert meta(html, "og:type") == "website"
    # The first image of the body stands for the page.
    assert meta(html, "og:image").startswith("http://testserver/media/images/")


def test_page_without_image_has_no_og_image(client, tree):
    """Pages with no image at all leave og:image out."""
    html = client.get(tree.event_index.url).text
    assert 'property="og:image"' not in html
    assert meta(html, "og:title") == "Events"


def test_layout_landmarks_and_language(client, tree):
    """Every page has lang, a skip link and header/nav/main/footer landmarks."""
    html = client.get(tree.home.url).text
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", '<nav class="site-nav" aria-label="Main">', "<main"):
        assert landmark in html
    assert '<footer class="site-footer">' in html


def test_navigation_falls_back_to_members_projects_search(client, tree):
    """With no navigation in the settings, the menu links to the main views."""
    html = client.get(tree.home.url).text
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    assert 'href="/en/members/"' in nav
    assert 'href="/en/projects/"' in nav
    assert 'href="/en/search/"' in nav


def test_navigation_and_footer_come_from_site_settings(client, tree):
    """Editors' navigation and footer links replace the defaults."""
    settings = SiteSettings.for_site(tree.site)
    settings.navigation = [
        {"type": "link", "value": {"page": tree.news_index.pk, "label": ""}},
        {"type": "link", "value": {"url": "/members/", "label": "Find partners"}},
    ]
    settings.footer_links = [
        {"type": "link", "value": {"page": tree.form.pk, "label": "Write to us"}}
    ]
    settings.footer_text = "<p>Run by the <b>editorial team</b>.</p>"
    settings.save()

    html = client.get(tree.news_index.url).text
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    assert '<a href="/en/news/" aria-current="page">News</a>' in nav
    assert '<a href="/en/members/">Find partners</a>' in nav
    assert 'href="/en/projects/"' not in nav

    footer = html[html.index('<footer class="site-footer">') :]
    assert '<a href="/en/contact/">Write to us</a>' in footer
    assert "Run by the <b>editorial team</b>." in footer
    assert '<a href="/en/privacy/">Privacy policy</a>' in footer
    assert "Rue de la Loi 1<br>1000 Bruxelles" in footer
    assert 'href="mailto:hello@hub.example.org"' in footer


def test_sitemap_lists_the_pages(client, tree):
    """/sitemap.xml lists the full URL of every live page, on the requested host."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.text
    for page in (tree.home, tree.standard, tree.form, tree.news, tree.event):
        assert f"<loc>http://testserver{page.url}</loc>" in xml


def test_pagination_include_keeps_query_parameters(rf: RequestFactory):
    """includes/pagination.html links pages and keeps the other parameters."""
    from django.core.paginator import Paginator

    request = rf.get("/anything/", {"q": "energie", "page": "2"})
    page_obj = Paginator(range(45), 10).get_page(2)
    html = Template('{% include "includes/pagination.html" %}').render(
        Context({"page_obj": page_obj, "request": request})
    )
    assert 'aria-label="Pagination"' in html
    assert 'href="?q=energie&amp;page=1" rel="prev"' in html or (
        'rel="prev" href="?q=energie&amp;page=1"' in html
    )
    assert 'href="?q=energie&amp;page=3"' in html
    assert 'href="?q=energie&amp;page=2" aria-current="page"' in html
    assert "Page 2 of 5" in html


def test_pagination_include_is_silent_for_one_page(rf):
    """A single page of results needs no pagination."""
    from django.core.paginator import Paginator

    page_obj = Paginator(range(3), 10).get_page(1)
    html = Template('{% include "includes/pagination.html" %}').render(
        Context({"page_obj": page_obj, "request": rf.get("/")})
    )
    assert html.strip() == ""


def test_tel_href():
    """Phone numbers as people write them become dialable tel: links."""
    assert tel_href("+32 2 555.90.10") == "tel:+3225559010"
