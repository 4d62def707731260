"""Create or update the demo editorial pages from `editorial.json` (idempotent).

The pages are written in English (the default locale), then translated into
every other content language with Wagtail's own tools: `copy_for_translation`
builds the same tree in the locale, and `editorial_translations.json` gives the
translated texts. A page without a translated text keeps the copied one.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.html import escape

from wagtail.models import Locale, Page, Site

from hub.demo.images import demo_image, illustration
from hub.models import (
    CallIndexPage,
    CallPage,
    EventIndexPage,
    EventPage,
    FormField,
    FormPage,
    HomePage,
    HomePageFeaturedExperiment,
    NewsIndexPage,
    NewsPage,
    Sector,
    SiteSettings,
    StandardPage,
)
from hub.models.base import TextLanguageMixin
from projects.models import Project

# News topics as tags, named in each content language: every locale's news
# share one small vocabulary, so the tag filter groups items meaningfully.
TOPICS = {
    "calls": {"en": "calls", "fr": "appels", "nl": "oproepen"},
    "culture": {"en": "culture", "fr": "culture", "nl": "cultuur"},
    "energy poverty": {
        "en": "energy poverty",
        "fr": "précarité énergétique",
        "nl": "energiearmoede",
    },
    "evaluation": {"en": "evaluation", "fr": "évaluation", "nl": "evaluatie"},
    "food": {"en": "food", "fr": "alimentation", "nl": "voeding"},
    "health": {"en": "health", "fr": "santé", "nl": "gezondheid"},
    "housing": {"en": "housing", "fr": "logement", "nl": "wonen"},
    "mobility": {"en": "mobility", "fr": "mobilité", "nl": "mobiliteit"},
    "network": {"en": "network", "fr": "réseau", "nl": "netwerk"},
    "results": {"en": "results", "fr": "résultats", "nl": "resultaten"},
    "social economy": {
        "en": "social economy",
        "fr": "économie sociale",
        "nl": "sociale economie",
    },
}


def _tags(topics: list[str], language: str) -> list[str]:
    return [TOPICS[topic][language] for topic in topics]


def _picture(slug: str, title: str):
    return demo_image(lambda: illustration(slug), title=f"Illustration: {title}")


def _featured(keys: list[str]) -> list[HomePageFeaturedExperiment]:
    projects = Project.objects.in_bulk(keys, field_name="external_id")
    return [
        HomePageFeaturedExperiment(project=projects[key])
        for key in keys
        if key in projects
    ]


def _html(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _stream(items) -> list[dict]:
    """The JSON's blocks as StreamField data; plain strings become paragraphs."""
    blocks = []
    for item in items:
        if isinstance(item, str):
            item = {"type": "paragraph", "value": item}
        kind, value = item["type"], item["value"]
        if kind == "paragraph":
            value = _html(value)
        elif kind == "call_to_action":
            value = {
                "title": value["title"],
                "text": value.get("text", ""),
                "page": None,
                "url": value.get("url", ""),
                "button_label": value["button_label"],
            }
        elif kind == "testimonial":
            value = {**value, "member": None}
        elif kind == "contact_person":
            value = {**value, "image": None}
        blocks.append({"type": kind, "value": value})
    return blocks


def _child(parent: Page, model, slug: str, **fields) -> Page:
    """Create `slug` under `parent`, or update it in place, and publish it."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
    else:
        for key, value in fields.items():
            setattr(page, key, value)
    page.save_revision().publish()
    return page


TRANSLATIONS_PATH = Path(__file__).resolve().parent / "editorial_translations.json"


def locales_ensure() -> tuple[Locale, list[Locale]]:
    """The default locale and the other content locales, created when missing.

    Tests that flush the database remove Wagtail's initial locale too, so
    nothing here assumes a row exists.
    """
    default_code = django_settings.LANGUAGE_CODE
    default, _created = Locale.objects.get_or_create(language_code=default_code)
    others = [
        Locale.objects.get_or_create(language_code=code)[0]
        for code, _name in django_settings.WAGTAIL_CONTENT_LANGUAGES
        if code != default_code
    ]
    return default, others


def _home(data: dict, locale: Locale) -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage.objects.filter(locale=locale).first()
    fields = {
        "title": "Social Innovation Hub",
        "hero_heading": data["hero_heading"],
        "hero_text": data["hero_text"],
        "hero_image": _picture("home", "home page"),
        "intro": _html(data["intro"]),
    }
    if home is None:
        # Wagtail's initial "Welcome" page holds the slug "home" until replaced.
        home = HomePage(slug="hub-home", locale=locale, **fields)
        root.add_child(instance=home)
    else:
        for key, value in fields.items():
            setattr(home, key, value)
    home.featured_experiments = _featured(data.get("featured_experiments", []))
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.save()
        # Wagtail's placeholder "Welcome" page goes away once the home replaces it.
        if old_root.specific_class is Page and old_root.depth == 2:
            old_root.delete()
    return home


def _written_in(item: dict, default_language: str) -> str:
    """The item's `content_language`: empty when it is the locale's own."""
    language = item.get("language", default_language)
    return "" if language == default_language else language


def _aware(value: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(value))


def _form_fields(form_page: FormPage, fields: list[dict]) -> None:
    FormField.objects.filter(page=form_page).delete()
    for order, field in enumerate(fields):
        FormField.objects.create(
            page=form_page,
            sort_order=order,
            label=field["label"],
            field_type=field["field_type"],
            required=field.get("required", False),
            choices=field.get("choices", ""),
        )


def _translate(page: Page, locale: Locale, texts: dict) -> Page:
    """The translation of `page` in `locale`, created and updated with `texts`."""
    translation = page.get_translation_or_none(locale)
    if translation is None:
        translation = page.copy_for_translation(locale, copy_parents=True)
    translation = translation.specific
    page = page.specific
    # Pictures and featured experiments follow the source page on every load.
    for name in ("image", "hero_image"):
        if hasattr(page, name):
            setattr(translation, name, getattr(page, name))
    if isinstance(page, HomePage):
        translation.featured_experiments = [
            HomePageFeaturedExperiment(project_id=item.project_id)
            for item in page.featured_experiments.all()
        ]
    if isinstance(page, TextLanguageMixin):
        # A translated text is in the locale's language; a copied one keeps
        # the language it was written in.
        written_in = "" if "title" in texts else page.text_language
        translation.content_language = (
            "" if written_in == locale.language_code else written_in
        )
    if isinstance(page, NewsPage) and "topics" in texts:
        translation.tags.set(_tags(texts["topics"], locale.language_code))
    for key, value in texts.items():
        if key == "body":
            value = _stream(value)
        elif key in ("intro", "thank_you_text") and isinstance(
            translation, HomePage | FormPage
        ):
            value = _html(value)
        elif key in ("fields", "topics"):
            continue
        setattr(translation, key, value)
    translation.save_revision().publish()
    if "fields" in texts:
        _form_fields(translation, texts["fields"])
    return translation


def editorial_translate(
    pages: list[Page], home: HomePage, data: dict, *, topics: dict[str, list[str]]
) -> int:
    """Translate the demo tree into every other locale; returns the page count.

    `topics` gives each news item's topics, tagged in each locale's language.
    """
    _default, others = locales_ensure()
    count = 0
    for locale in others:
        texts = data.get(locale.language_code, {})
        _translate(home, locale, texts.get("home", {}))
        page_texts = texts.get("pages", {})
        for page in pages:
            page_text = page_texts.get(page.slug, {})
            if isinstance(page.specific, NewsPage):
                page_text = {**page_text, "topics": topics.get(page.slug, [])}
            _translate(page, locale, page_text)
            count += 1
    return count


def _calls_load(home: HomePage, calls: list[dict], language: str) -> CallIndexPage:
    """The calls, each closing `deadline_days` after the load (a negative
    number: already closed, so off the lists)."""
    index = _child(
        home,
        CallIndexPage,
        "calls",
        title="Calls",
        intro=(
            "Funding calls, calls for projects and partners, and support "
            "programmes open to the network's members."
        ),
    )
    today = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    for item in calls:
        page = _child(
            index,
            CallPage,
            item["slug"],
            title=item["title"],
            call_type=item["call_type"],
            organiser=item.get("organiser", ""),
            deadline=today + timedelta(days=item["deadline_days"]),
            intro=item["intro"],
            body=_stream(item.get("body", [])),
            eligible_kinds=item.get("eligible_kinds", []),
            languages=item.get("languages", []),
            keywords=item.get("keywords", ""),
            application_url=item.get("application_url", ""),
            content_language=_written_in(item, language),
        )
        page.sectors.set(Sector.objects.filter(slug__in=item.get("sectors", [])))
        page.save_revision().publish()
    return index


def editorial_load(data: dict) -> str:
    default_locale, _others = locales_ensure()
    home = _home(data["home"], default_locale)
    for page in data["standard_pages"]:
        _child(
            home,
            StandardPage,
            page["slug"],
            title=page["title"],
            intro=page.get("intro", ""),
            body=_stream(page["body"]),
            search_description=page.get("search_description", ""),
        )
    privacy = data["privacy_page"]
    privacy_page = _child(
        home,
        StandardPage,
        "privacy",
        title=privacy["title"],
        body=_stream(privacy["body"]),
    )
    news_index = _child(home, NewsIndexPage, "news", title="News")
    default_language = default_locale.language_code
    for item in data["news"]:
        page = _child(
            news_index,
            NewsPage,
            item["slug"],
            title=item["title"],
            date=date.fromisoformat(item["date"]),
            intro=item.get("intro", ""),
            body=_stream(item["body"]),
            image=_picture(item["slug"], item["title"]),
            content_language=_written_in(item, default_language),
        )
        page.tags.set(_tags(item.get("tags", []), default_language))
        page.save_revision().publish()
    event_index = _child(home, EventIndexPage, "events", title="Events")
    for item in data["events"]:
        _child(
            event_index,
            EventPage,
            item["slug"],
            title=item["title"],
            start=_aware(item["start"]),
            end=_aware(item["end"]),
            place=item.get("place", ""),
            address=item.get("address", ""),
            registration_url=item.get("registration_url", ""),
            intro=item.get("intro", ""),
            body=_stream(item["body"]),
            image=_picture(item["slug"], item["title"]),
            content_language=_written_in(item, default_language),
        )
    call_index = _calls_load(home, data.get("calls", []), default_language)
    contact = data["contact_page"]
    form_page = _child(
        home,
        FormPage,
        "contact",
        title=contact["title"],
        intro=_html(contact["intro"]),
        thank_you_text=_html(contact["thank_you_text"]),
        to_address="editors@hub.example.org",
        from_address="hub@hub.example.org",
        subject="New message from the hub's contact form",
    )
    _form_fields(form_page, contact["fields"])
    # Parents before children: a translation is copied under its parent's.
    pages = [
        page.specific for page in Page.objects.descendant_of(home).order_by("path")
    ]
    translated = editorial_translate(
        pages,
        home,
        json.loads(TRANSLATIONS_PATH.read_text(encoding="utf-8")),
        topics={item["slug"]: item.get("tags", []) for item in data["news"]},
    )
    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    settings.privacy_page = privacy_page
    settings.contact_email = "hello@hub.example.org"
    settings.contact_address = "Rue de l'Expérimentation 1\n1000 Bruxelles"
    # Site paths get the visitor's language prefix and the labels "Members" and
    # "Experiments" are interface strings, so both follow the visitor's
    # language; chosen pages link to their translation, titled in it.
    settings.navigation = [
        {"type": "link", "value": {"label": label, "page": None, "url": url}}
        for label, url in (("Members", "/members/"), ("Experiments", "/projects/"))
    ] + [
        {"type": "link", "value": {"label": "", "page": page.pk, "url": ""}}
        for page in (news_index, event_index, call_index, form_page)
    ]
    settings.save()
    return (
        f"editorial: home, {len(data['standard_pages']) + 1} pages, "
        f"{len(data['news'])} news, {len(data['events'])} events, "
        f"{len(data.get('calls', []))} calls, contact form; "
        f"{translated} translated pages"
    )
