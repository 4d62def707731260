"""E-mails to people, in the hub's name and look, in the recipient's language.

Every e-mail is three templates under one prefix, like allauth's:
`<prefix>_subject.txt`, `<prefix>_message.txt` and `<prefix>_message.html`
(the HTML alternative extends `hub/email/base_message.html`). Subject and
plain text are rendered without HTML escaping: a name such as "Bike & Co"
stays readable. Everything, links included, is rendered inside
`translation.override(language)`, so a link built with `absolute_reverse_lazy`
carries the recipient's language prefix.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy

from wagtail.models import Site


def site_name() -> str:
    """The default Wagtail site's name, or WAGTAIL_SITE_NAME."""
    site = Site.objects.filter(is_default_site=True).only("site_name").first()
    return (site and site.site_name) or settings.WAGTAIL_SITE_NAME


def absolute_url(path: str, *, request=None) -> str:
    """`path` on the public site: from the request when there is one, else
    from WAGTAILADMIN_BASE_URL (commands and background work have no request)."""
    if request is not None:
        return request.build_absolute_uri(path)
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


def _absolute_reverse(viewname, args=None, kwargs=None) -> str:
    return absolute_url(reverse(viewname, args=args, kwargs=kwargs))


# Resolved when the template prints it, that is in the recipient's language.
absolute_reverse_lazy = lazy(_absolute_reverse, str)


def email_subject(subject: str) -> str:
    """One line, prefixed with the site's name."""
    return f"[{site_name()}] {' '.join(subject.split())}"


def _render_plain(template_name: str, context: dict) -> str:
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def email_render(
    *, prefix: str, context: dict, to: str, language: str, request=None
) -> EmailMultiAlternatives:
    """The message `prefix` to one address, written in `language`."""
    with translation.override(language):
        context = {
            "site_name": site_name(),
            "site_url": absolute_url(f"/{language}/", request=request),
            "language": language,
            **context,
        }
        subject = _render_plain(f"{prefix}_subject.txt", context)
        text = _render_plain(f"{prefix}_message.txt", context).strip()
        html = render_to_string(f"{prefix}_message.html", context, request=request)
    message = EmailMultiAlternatives(
        subject=email_subject(subject), body=text + "\n", to=[to]
    )
    message.attach_alternative(html, "text/html")
    return message


def email_messages(
    *, prefix: str, context: dict, languages: dict[str, str]
) -> list[EmailMultiAlternatives]:
    """One message per address ({address: language}), so that nobody sees the
    other addresses and each reads their own language."""
    return [
        email_render(prefix=prefix, context=context, to=address, language=language)
        for address, language in languages.items()
    ]
