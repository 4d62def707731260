from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, Page
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase

from hub.blocks import BodyBlock
from hub.models.base import HubPageMixin, TextLanguageMixin


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "hub.NewsPage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("news tag")
        verbose_name_plural = _("news tags")


class NewsPageSubject(Orderable):
    """A member or an experiment a news item is about: its followers hear of
    the news once it is published."""

    page = ParentalKey(
        "hub.NewsPage", on_delete=models.CASCADE, related_name="subjects"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("experiment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("member"), FieldPanel("project")]

    class Meta(Orderable.Meta):
        verbose_name = _("about")
        verbose_name_plural = _("about")


class NewsIndexPage(HubPageMixin, Page):
    """The news listing: newest first, ten a page, filterable by `?tag=`."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["hub.HomePage"]
    subpage_types = ["hub.NewsPage"]

    per_page = 10

    class Meta:
        verbose_name = _("news index page")
        verbose_name_plural = _("news index pages")

    def get_news(self, *, tag: str = ""):
        news = (
            NewsPage.objects.live()
            .public()
            .child_of(self)
            .select_related("image", "locale")
            .prefetch_related("tags")
            .order_by("-date", "-first_published_at", "-pk")
        )
        if tag:
            # Links carry the slug; hand-typed URLs often carry the tag's name.
            news = news.filter(Q(tags__slug=tag) | Q(tags__name__iexact=tag)).distinct()
        return news

    def get_tags(self):
        """Tags used by the live news of this index, most used first."""
        news_ids = self.get_news().values("pk")
        return (
            Tag.objects.filter(hub_newspagetag_items__content_object__in=news_ids)
            .annotate(use_count=Count("hub_newspagetag_items"))
            .order_by("-use_count", "name")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tag_param = request.GET.get("tag", "").strip()
        tags = list(self.get_tags())
        current_tag = next(
            (
                t
                for t in tags
                if tag_param
                and (t.slug == tag_param or t.name.lower() == tag_param.lower())
            ),
            None,
        )
        paginator = Paginator(self.get_news(tag=tag_param), self.per_page)
        context.update(
            news_pages=paginator.get_page(request.GET.get("page")),
            tags=tags,
            current_tag=current_tag,
            tag_query=tag_param,
        )
        return context


class NewsPage(TextLanguageMixin, HubPageMixin, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(
        _("introduction"),
        help_text=_("One or two sentences, shown in listings and search results."),
    )
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    tags = ClusterTaggableManager(
        through=NewsPageTag, blank=True, verbose_name=_("tags")
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("tags")], heading=_("News details")
        ),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("content_language"),
        InlinePanel(
            "subjects",
            heading=_("Members and experiments it is about"),
            help_text=_("Their followers are told when the news is published."),
        ),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
    ]

    parent_page_types = ["hub.NewsIndexPage"]
    subpage_types = []

    og_type = "article"

    class Meta:
        verbose_name = _("news page")
        verbose_name_plural = _("news pages")

    def get_main_image(self):
        return self.image
