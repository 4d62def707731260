from django.contrib.sitemaps import Sitemap

from projects.models import Project


class ProjectSitemap(Sitemap):
    """Published experiments, one address per language with its alternates."""

    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Project.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at
