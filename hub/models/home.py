from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, Page
from wagtail.search import index

from modelcluster.fields import ParentalKey

from hub.blocks import BodyBlock, LinkListBlock
from hub.models.base import HubPageMixin, plain_text
from hub.models.events import EventIndexPage, EventPage
from hub.models.news import NewsIndexPage, NewsPage


class HomePage(HubPageMixin, Page):
    """The site's root page; its featured lists are read live on every request."""

    hero_heading = models.CharField(_("hero heading"), max_length=160)
    hero_text = models.TextField(_("hero text"), blank=True)
    hero_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_links = StreamField(
        LinkListBlock(max_num=2),
        verbose_name=_("hero buttons"),
        blank=True,
        help_text=_("Up to two buttons under the hero text; the first stands out."),
    )
    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
    )
    body = StreamField(
        BodyBlock(),
        verbose_name=_("more content"),
        blank=True,
        help_text=_("Shown below the featured experiments, news and events."),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_links"),
            ],
            heading=_("Hero"),
        ),
        FieldPanel("intro"),
        InlinePanel(
            "featured_experiments",
            label=_("Featured experiments"),
            heading=_("Featured experiments"),
            help_text=_(
                "Chosen and ordered by the editors; the newest published "
                "experiments fill the places left."
            ),
            max_num=6,
        ),
        FieldPanel("body"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("hero_heading"),
        index.SearchField("hero_text"),
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "hub.StandardPage",
        "hub.FormPage",
        "hub.NewsIndexPage",
        "hub.EventIndexPage",
        "hub.CallIndexPage",
    ]
    max_count = 1

    featured_count = 3

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_intro_text(self) -> str:
        return self.hero_text or plain_text(self.intro)

    def get_main_image(self):
        return self.hero_image

    def get_featured_projects(self):
        # Imported here: the projects app depends on hub (taxonomies), so a
        # module-level import would tie the load order of the two apps.
        from projects.models import Project

        # In a preview the chosen rows are in memory, hence the filter in Python.
        chosen = [
            item.project
            for item in self.featured_experiments.select_related("project__image")
            if item.project_id and item.project.is_public
        ][: self.featured_count]
        # The newest published experiments fill the places the editors left.
        places = self.featured_count - len(chosen)
        newest = (
            Project.objects.published()
            .select_related("image")
            .exclude(pk__in=[project.pk for project in chosen])
            .order_by("-created_at", "-pk")[:places]
            if places > 0
            else []
        )
        return [*chosen, *newest]

    def get_latest_news(self):
        return (
            NewsPage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("image", "locale")
            .order_by("-date", "-first_published_at")[: self.featured_count]
        )

    def get_upcoming_events(self):
        return (
            EventPage.objects.live()
            .public()
            .descendant_of(self)
            .filter(end__gte=timezone.now())
            .select_related("image", "locale")
            .order_by("start")[: self.featured_count]
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(
            featured_projects=self.get_featured_projects(),
            latest_news=self.get_latest_news(),
            upcoming_events=self.get_upcoming_events(),
            news_index=NewsIndexPage.objects.live().child_of(self).first(),
            event_index=EventIndexPage.objects.live().child_of(self).first(),
        )
        return context


class HomePageFeaturedExperiment(Orderable):
    """An experiment the editors put on the home page."""

    page = ParentalKey(
        HomePage, on_delete=models.CASCADE, related_name="featured_experiments"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("project")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured experiment")
        verbose_name_plural = _("featured experiments")
