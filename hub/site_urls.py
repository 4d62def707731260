"""Absolute addresses for canonical links, hreflang, Open Graph and the sitemap."""

from urllib.parse import urljoin

from django.http.request import split_domain_port

from wagtail.models import Site


def absolute_url(*, request, url: str) -> str:
    """`url` made absolute on the host the visitor reached.

    The Wagtail Site's root URL when the request came in on that site's own
    hostname (so that a page has one canonical address); otherwise the
    request's scheme and host: a default site left as `localhost` must not
    send search engines, or shared links, to a host nobody can reach.
    """
    if not url or request is None:
        return url or ""
    site = Site.find_for_request(request)
    host, _port = split_domain_port(request.get_host())
    if site is not None and site.hostname == host:
        return urljoin(site.root_url + "/", url)
    return request.build_absolute_uri(url)
