import datetime
from dataclasses import dataclass

from django.utils import timezone

from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.models import Collection, Locale, Page, Site

import factory
import wagtail_factories

from hub.models import (
    CallIndexPage,
    CallPage,
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

EMBED_URL = "https://www.youtube.com/watch?v=hub-demo"


class ImageFactory(wagtail_factories.ImageFactory):
    # The root collection exists after migrations; a new root would be a
    # second tree.
    collection = factory.LazyFunction(Collection.get_first_root_node)
    title = factory.Sequence(lambda n: f"Image {n}")
    description = "Neighbours repairing a bicycle together"


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Home"
    slug = "home"
    hero_heading = "Where Brussels experiments with social innovation"
    hero_text = "Social entrepreneurs, researchers and public authorities meet here."
    intro = "<p>Find partners for your social-innovation experiment.</p>"

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Standard page {n}")
    intro = "A page about the network."
    body = factory.LazyFunction(list)

    class Meta:
        model = StandardPage


class FormPageFactory(wagtail_factories.PageFactory):
    title = "Contact"
    slug = "contact"
    intro = "<p>Write to the editorial team.</p>"
    thank_you_text = "<p>Thank you, your message has reached the editorial team.</p>"
    to_address = "editors@hub.example.org"
    from_address = "hub@hub.example.org"
    subject = "Contact form"

    class Meta:
        model = FormPage


class FormFieldFactory(factory.django.DjangoModelFactory):
    page = factory.SubFactory(FormPageFactory)
    label = factory.Sequence(lambda n: f"Field {n}")
    field_type = "singleline"
    required = True
    sort_order = factory.Sequence(int)

    class Meta:
        model = FormField


class NewsIndexPageFactory(wagtail_factories.PageFactory):
    title = "News"
    slug = "news"
    intro = "What happens in the network."

    class Meta:
        model = NewsIndexPage


class NewsPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"News {n}")
    date = factory.LazyFunction(timezone.localdate)
    intro = "A new call for experiments against energy poverty."
    body = factory.LazyFunction(list)

    class Meta:
        model = NewsPage
        skip_postgeneration_save = True

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if extracted:
            obj.tags.add(*extracted)
            if create:
                obj.save()


class EventIndexPageFactory(wagtail_factories.PageFactory):
    title = "Events"
    slug = "events"
    intro = "Meet the network."

    class Meta:
        model = EventIndexPage


class EventPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Event {n}")
    start = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=7)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=3))
    place = "La Salle des Machines"
    address = "Quai des Charbonnages 40\n1080 Molenbeek-Saint-Jean"
    registration_url = "https://events.example.org/matchmaking"
    intro = "Short pitches and one-to-one meetings on energy poverty."
    body = factory.LazyFunction(list)

    class Meta:
        model = EventPage


class CallIndexPageFactory(wagtail_factories.PageFactory):
    title = "Calls"
    slug = "calls"
    intro = "Funding calls, calls for projects and support programmes."

    class Meta:
        model = CallIndexPage


class CallPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Call {n}")
    call_type = "funding"
    organiser = "Brussels Region"
    deadline = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=30)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    intro = "Funding for experiments on energy poverty in rented homes."
    body = factory.LazyFunction(list)

    class Meta:
        model = CallPage
        skip_postgeneration_save = True

    @factory.post_generation
    def sectors(obj, create, extracted, **kwargs):
        if extracted:
            obj.sectors.set(extracted)
            obj.save()


def embed_cached(url: str = EMBED_URL) -> Embed:
    """Store the oEmbed answer for `url` so rendering never calls the provider."""
    return Embed.objects.create(
        url=url,
        hash=get_embed_hash(url),
        type="video",
        html='<iframe title="Demo video" src="https://www.youtube.com/embed/hub-demo">'
        "</iframe>",
        title="Demo video",
        provider_name="YouTube",
    )


def every_block_body(*, image) -> list[dict]:
    """A StreamField body that uses each block type once."""
    return [
        {"type": "heading", "value": "What the hub is"},
        {
            "type": "paragraph",
            "value": "<p>An open network where a zanzibarian word hides.</p>",
        },
        {
            "type": "image",
            "value": {
                "image": image.pk,
                "alt_text": "Volunteers at a repair café",
                "caption": "Repair café in Anderlecht",
            },
        },
        {
            "type": "quote",
            "value": {
                "text": "We met a research team that needed exactly our data.",
                "attribution": "Coordinator of a repair social enterprise",
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "title": "Join the network",
                "text": "Create a profile for your organisation.",
                "page": None,
                "url": "/members/",
                "button_label": "Create a profile",
            },
        },
        {"type": "embed", "value": EMBED_URL},
        {
            "type": "testimonial",
            "value": {
                "quote": "Trois semaines après notre inscription, deux propositions.",
                "person": "Mathilde Leroy-Vandamme",
                "organisation": "Coopérative Potager Commun",
                "member": None,
            },
        },
        {
            "type": "contact_person",
            "value": {
                "name": "Yasmina Claes",
                "role": "Network coordinator",
                "image": None,
                "phone": "+32 2 555 90 10",
                "email": "coordination@hub.example.org",
            },
        },
    ]


@dataclass
class SiteTree:
    site: Site
    home: HomePage
    standard: StandardPage
    privacy: StandardPage
    form: FormPage
    news_index: NewsIndexPage
    news: NewsPage
    event_index: EventIndexPage
    event: EventPage
    image: object


def site_tree_build() -> SiteTree:
    """root → home → standard (every block), privacy, contact form, news, events.

    The home page replaces Wagtail's welcome page as the default site's root.
    """
    root = Page.get_first_root_node()
    # Wagtail's welcome page (and, by cascade, its site) makes way.
    for page in root.get_children():
        page.delete()
    home = HomePageFactory(parent=root)
    site = Site.objects.create(
        hostname="localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="Social Innovation Hub",
    )

    image = ImageFactory()
    embed_cached()
    standard = StandardPageFactory(
        parent=home,
        title="About the network",
        slug="about",
        search_description="Who we are and how the hub works.",
        body=every_block_body(image=image),
    )
    privacy = StandardPageFactory(parent=home, title="Privacy policy", slug="privacy")
    form = FormPageFactory(parent=home)
    for order, (label, field_type, required) in enumerate(
        [
            ("Name", "singleline", True),
            ("E-mail", "email", True),
            ("Organisation", "singleline", False),
            ("Message", "multiline", True),
        ]
    ):
        FormFieldFactory(
            page=form,
            label=label,
            field_type=field_type,
            required=required,
            sort_order=order,
        )
    news_index = NewsIndexPageFactory(parent=home)
    news = NewsPageFactory(
        parent=news_index,
        title="Call for experiments: energy poverty",
        slug="call-energy-poverty",
        image=image,
        tags=["energy", "call"],
    )
    event_index = EventIndexPageFactory(parent=home)
    event = EventPageFactory(
        parent=event_index,
        title="Matchmaking evening",
        slug="matchmaking-evening",
    )
    settings = SiteSettings.for_site(site)
    settings.privacy_page = privacy
    settings.contact_address = "Rue de la Loi 1\n1000 Bruxelles"
    settings.contact_email = "hello@hub.example.org"
    settings.save()
    return SiteTree(
        site=site,
        home=home,
        standard=standard,
        privacy=privacy,
        form=form,
        news_index=news_index,
        news=news,
        event_index=event_index,
        event=event,
        image=image,
    )


def site_root_ensure() -> Page:
    """What a flushed (transactional) database lost of Wagtail's initial data:
    the default locale, the root page and the root collection."""
    from django.conf import settings

    for code, _name in settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root",
                slug="root",
                locale=Locale.objects.get(language_code=settings.LANGUAGE_CODE),
            )
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return root


def site_home_ensure() -> Page:
    """The default site's home page; a bare one (no children) when an earlier
    transactional test left no site, so that pages built under it have an
    address."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_page
    root = site_root_ensure()
    home = HomePageFactory(parent=root, slug="home-for-tests")
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    return home


def calls_build(*, home) -> dict:
    """A call index under `home` with an open call and one past its deadline."""
    index = CallIndexPageFactory(parent=home)
    call = CallPageFactory(
        parent=index,
        title="Energy poverty fund",
        slug="energy-poverty-fund",
        keywords="heat pumps, housing",
    )
    closed = CallPageFactory(
        parent=index,
        title="Closed incubator call",
        slug="closed-incubator-call",
        call_type="support",
        deadline=timezone.now() - datetime.timedelta(days=3),
    )
    return {"call_index": index, "call": call, "call_closed": closed}
