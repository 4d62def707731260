"""The visitor's language: the switcher's target URLs and navigation links.

Pages outside Wagtail share their path in every language (`/fr/members/`,
`/nl/members/`); Wagtail pages exist once per locale, each translation with its
own slug, so the switcher sends the visitor to the translation when it exists.
"""

import re

from django.conf import settings
from django.http import Http404
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import get_object_or_404, redirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.views.i18n import set_language as django_set_language

from wagtail.models import Locale, Page

from members.accounts import account_language_set

# Addresses that are the same in every language (hub/urls.py).
UNPREFIXED_PATHS = (
    "/admin/",
    "/api/",
    "/documents/",
    "/i18n/",
    "/media/",
    "/sitemap.xml",
    "/static/",
)


def language_choices() -> list[tuple[str, str]]:
    """(code, name in that language) for every interface language."""
    return [
        (code, capfirst(translation.get_language_info(code)["name_local"]))
        for code, _name in settings.LANGUAGES
    ]


def path_without_language(path: str) -> str:
    """`/fr/members/?q=x` → `/members/?q=x`; other paths are returned as is."""
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return path[len(prefix) - 1 :]
    return path


def page_translation(*, page: Page, language_code: str) -> Page | None:
    """The live translation of `page` in `language_code`, or None."""
    if page.locale.language_code == language_code:
        return page
    locale = Locale.objects.filter(language_code=language_code).first()
    if locale is None:
        return None
    found = page.get_translation_or_none(locale)
    if found is None or not found.live:
        return None
    return found


def path_in_language(*, request, language_code: str, page: Page | None = None) -> str:
    """The address of what `request` shows, in `language_code`.

    A Wagtail page goes to its translation and, without one, to the home page
    of that language; any other page keeps its path and query string.
    """
    if page is not None:
        found = page_translation(page=page, language_code=language_code)
        if found is None:
            site = page.get_site()
            if site is not None:
                found = page_translation(
                    page=site.root_page, language_code=language_code
                )
        if found is not None:
            with translation.override(language_code):
                url = found.get_url(request)
            if url:
                return url
        return f"/{language_code}/"
    return translate_url(request.get_full_path(), language_code)


def _live_translations(page: Page) -> dict[str, Page]:
    found = page.get_translations(inclusive=True).live().select_related("locale")
    return {translated.locale.language_code: translated for translated in found}


def page_urls_by_language(*, request, page: Page) -> dict[str, str]:
    """{language: address of `page` in it}, like `path_in_language` for each.

    Two queries for the translations (of the page, then of the home page for
    the languages it lacks) instead of a few per language.
    """
    translations = _live_translations(page)
    homes = None
    urls = {}
    for code, _name in settings.LANGUAGES:
        found = translations.get(code)
        if found is None:
            if homes is None:
                site = page.get_site()
                homes = _live_translations(site.root_page) if site else {}
            found = homes.get(code)
        url = ""
        if found is not None:
            with translation.override(code):
                url = found.get_url(request) or ""
        urls[code] = url or f"/{code}/"
    return urls


def page_in_active_language(request, page_id: int):
    """Redirect to page `page_id` in the visitor's language (the switcher's `next`).

    The switcher posts one `next` for every language; for a Wagtail page that
    is this language-neutral address, resolved after the choice is stored.
    """
    page = get_object_or_404(Page.objects.live().public(), pk=page_id)
    language = translation.get_language() or settings.LANGUAGE_CODE
    target = path_in_language(request=request, language_code=language, page=page)
    if not target:
        raise Http404(gettext("This page does not exist in this language."))
    return redirect(target)


def set_language(request):
    """Django's language switcher; a signed-in person's choice is also kept on
    their account, for the next sign-in and the e-mails they receive."""
    response = django_set_language(request)
    language = request.POST.get("language") if request.method == "POST" else None
    if (
        request.user.is_authenticated
        and language
        and translation.check_for_language(language)
    ):
        account_language_set(user=request.user, language=language)
    return response


def localize_link(*, value, request=None) -> tuple[str, str]:
    """(href, text) of a navigation link in the active language.

    A chosen page becomes its translation; a site path such as `/members/`
    gets the language prefix; a label that is one of the interface's own
    strings ("Members", "News") is translated.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    page = value.get("page")
    label = value.get("label") or value.get("button_label") or ""
    href = ""
    if page is not None:
        page = page.specific
        page = page_translation(page=page, language_code=language) or (
            page if page.live else None
        )
        if page is not None:
            href = page.get_url(request) or ""
            label = label or page.title
    else:
        href = value.get("url") or ""
        prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)
        if (
            href.startswith("/")
            and not href.startswith(("//", *prefixes))
            and not href.startswith(UNPREFIXED_PATHS)
        ):
            href = f"/{language}{href}"
        label = label or href
    return href, gettext(label) if label else label


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except that a 404 at a machine address stays a 404.

    Django redirects any unprefixed 404 to the visitor's language when the
    prefixed path resolves, and Wagtail's catch-all page route resolves every
    path: an API client asking for a missing member would get a redirect to
    an HTML page instead of its 404.
    """

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(
            UNPREFIXED_PATHS
        ):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        return super().process_response(request, response)


# Function words that mark a text as written in one of the interface
# languages; words shared by two of them ("de", "en", "is", "in") tell nothing.
_MARKER_WORDS = {
    "en": "the and of to with for we our that this are which from by an they their "
    "has have will be who",
    "fr": "le la les des et est pour avec nous notre nos une dans du au aux sont qui "
    "sur leur ou ces par",
    "nl": "het een van voor met wij ons onze zijn naar bij op door die dat ook "
    "worden wordt niet deze",
}
_MARKERS = {
    language: frozenset(words.split()) for language, words in _MARKER_WORDS.items()
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def written_language(text: str) -> str | None:
    """The interface language a member's free text is written in, or None.

    Members write their profiles in French, Dutch or English, and the page
    around the text may be in another; `lang` on the text lets screen readers
    pronounce it (WCAG 3.1.2). A guess needs at least three function words
    and twice as many of one language as of any other: short texts
    (names, headlines of a few words) stay unmarked.
    """
    counts = dict.fromkeys(_MARKERS, 0)
    for word in _WORD.findall(text.lower()):
        for language, markers in _MARKERS.items():
            if word in markers:
                counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    if top >= 3 and top >= 2 * runner_up:
        return best
    return None
