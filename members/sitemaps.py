from django.contrib.sitemaps import Sitemap

from members.models import Member


class MemberSitemap(Sitemap):
    """Published profiles, one address per language with its alternates."""

    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Member.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at
