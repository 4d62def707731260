"""The editorial pages of the sitemap, in every language.

Wagtail's own sitemap lists the tree of the active language only, with
addresses on the Site's configured root URL (`localhost` in a fresh install);
here every locale's tree is listed and Django's sitemap view prefixes each
path with the scheme and host of the request.
"""

from django.contrib.sitemaps import Sitemap

from wagtail.models import Page, Site


class PageSitemap(Sitemap):
    """Live, public pages of the request's site, in all its translations."""

    def __init__(self, *, request):
        self.request = request

    def items(self):
        site = Site.find_for_request(self.request)
        if site is None:
            return Page.objects.none()
        pages = Page.objects.none()
        for root in site.root_page.get_translations(inclusive=True):
            pages |= Page.objects.descendant_of(root, inclusive=True)
        return pages.live().public().order_by("path").defer_streamfields()

    def location(self, item) -> str:
        parts = item.get_url_parts(self.request)
        return parts[2] if parts else ""

    def lastmod(self, item):
        return item.last_published_at or item.latest_revision_created_at
