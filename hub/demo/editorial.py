"""Create or update the demo editorial pages from `editorial.json` (idempotent)."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.html import escape

from wagtail.models import Page, Site

from hub.models import (
    EventIndexPage,
    EventPage,
    FormField,
    FormPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
    StandardPage,
)


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


def _home(data: dict) -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    fields = {
        "title": "Social Innovation Hub",
        "hero_heading": data["hero_heading"],
        "hero_text": data["hero_text"],
        "intro": _html(data["intro"]),
    }
    if home is None:
        # Wagtail's initial "Welcome" page holds the slug "home" until replaced.
        home = HomePage(slug="hub-home", **fields)
        root.add_child(instance=home)
    else:
        for key, value in fields.items():
            setattr(home, key, value)
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


def _aware(value: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(value))


def editorial_load(data: dict) -> str:
    home = _home(data["home"])
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
    for item in data["news"]:
        page = _child(
            news_index,
            NewsPage,
            item["slug"],
            title=item["title"],
            date=date.fromisoformat(item["date"]),
            intro=item.get("intro", ""),
            body=_stream(item["body"]),
        )
        page.tags.set(item.get("tags", []))
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
        )
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
    FormField.objects.filter(page=form_page).delete()
    for order, field in enumerate(contact["fields"]):
        FormField.objects.create(
            page=form_page,
            sort_order=order,
            label=field["label"],
            field_type=field["field_type"],
            required=field.get("required", False),
            choices=field.get("choices", ""),
        )
    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    settings.privacy_page = privacy_page
    settings.contact_email = "hello@hub.example.org"
    settings.contact_address = "Rue de l'Expérimentation 1\n1000 Bruxelles"
    settings.navigation = [
        {"type": "link", "value": {"label": label, "page": None, "url": url}}
        for label, url in (
            ("Members", "/members/"),
            ("Experiments", "/projects/"),
            ("News", news_index.url),
            ("Events", event_index.url),
            ("Contact", form_page.url),
        )
    ]
    settings.save()
    return (
        f"editorial: home, {len(data['standard_pages']) + 1} pages, "
        f"{len(data['news'])} news, {len(data['events'])} events, contact form"
    )
