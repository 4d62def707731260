"""The editorial page tree: page-type rules, routing, rendering and editing."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from hub.models import (
    CallIndexPage,
    EventIndexPage,
    EventPage,
    FormPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    StandardPage,
)
from hub.tests.factories import site_tree_build


class PageTypeRulesTests(WagtailPageTestCase):
    def test_home_page_only_at_the_root(self):
        """The home page sits directly under Wagtail's root, nowhere else."""
        self.assertCanCreateAt(Page, HomePage)
        self.assertAllowedParentPageTypes(HomePage, {Page})
        for parent in (HomePage, StandardPage, NewsIndexPage, EventIndexPage):
            self.assertCanNotCreateAt(parent, HomePage)

    def test_home_page_children(self):
        """Under the home page go pages, forms and the news, event and call
        indexes."""
        self.assertAllowedSubpageTypes(
            HomePage,
            {StandardPage, FormPage, NewsIndexPage, EventIndexPage, CallIndexPage},
        )

    def test_standard_pages_nest_and_hold_forms(self):
        """Standard pages can hold sub-pages and forms, but no news or events."""
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage, FormPage})
        self.assertCanNotCreateAt(StandardPage, NewsPage)
        self.assertCanNotCreateAt(StandardPage, EventPage)
        self.assertCanNotCreateAt(Page, StandardPage)

    def test_news_and_events_live_under_their_index(self):
        """News only under a news index, events only under an event index."""
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertAllowedParentPageTypes(EventPage, {EventIndexPage})
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})
        self.assertAllowedSubpageTypes(EventIndexPage, {EventPage})
        self.assertCanNotCreateAt(NewsIndexPage, EventPage)
        self.assertCanNotCreateAt(EventIndexPage, NewsPage)
        self.assertCanNotCreateAt(HomePage, NewsPage)

    def test_leaf_pages_have_no_children(self):
        """Forms, news and events are leaves of the tree."""
        for leaf in (FormPage, NewsPage, EventPage):
            self.assertAllowedSubpageTypes(leaf, set())

    def test_only_one_home_page(self):
        """A second home page cannot be created once one exists."""
        site_tree_build()
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))


class PageRenderingTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = site_tree_build()
        cls.pages = [
            cls.tree.home,
            cls.tree.standard,
            cls.tree.form,
            cls.tree.news_index,
            cls.tree.news,
            cls.tree.event_index,
            cls.tree.event,
        ]

    def test_every_page_type_is_routable_and_renders(self):
        """Each page of the tree answers 200 at its URL with its title."""
        for page in self.pages:
            with self.subTest(page=type(page).__name__):
                # Wagtail's assertPageIsRoutable routes the language prefix of
                # i18n_patterns as a slug; the client request below routes it.
                self.assertPageIsRenderable(page)
                response = self.client.get(page.url)
                self.assertContains(response, page.title)

    def test_urls_follow_the_tree(self):
        """Pages are served under the home page, the site's root."""
        self.assertEqual(self.tree.home.url, "/en/")
        self.assertEqual(self.tree.standard.url, "/en/about/")
        self.assertEqual(self.tree.news.url, "/en/news/call-energy-poverty/")
        self.assertEqual(self.tree.event.url, "/en/events/matchmaking-evening/")

    def test_pages_without_stream_fields_are_editable_and_previewable(self):
        """The admin edit and preview views of these page types load and save.

        Wagtail renders StreamField editors in JavaScript, so the generic
        assertions cannot read their form data from the HTML; pages with a
        body are created through the admin in `AdminCreationTests` instead.
        """
        for page in (self.tree.form, self.tree.news_index, self.tree.event_index):
            with self.subTest(page=type(page).__name__):
                self.assertPageIsEditable(page)
                self.assertPageIsPreviewable(page)

    def test_unpublished_page_is_not_served(self):
        """A draft page answers 404 to visitors."""
        self.tree.standard.unpublish()
        response = self.client.get("/en/about/")
        self.assertEqual(response.status_code, 404)


class AdminCreationTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = site_tree_build()

    def setUp(self):
        self.login()

    def test_editor_creates_a_standard_page_with_blocks(self):
        """A standard page with a heading, text and a call to action saves."""
        self.assertCanCreate(
            self.tree.home,
            StandardPage,
            nested_form_data(
                {
                    "title": "How experiments work",
                    "slug": "how-experiments-work",
                    "intro": "From idea to evaluation.",
                    "body": streamfield(
                        [
                            ("heading", "Five stages"),
                            ("paragraph", rich_text("<p>Idea, design, pilot.</p>")),
                            (
                                "call_to_action",
                                {
                                    "title": "Publish your experiment",
                                    "text": "",
                                    "page": "",
                                    "url": "/projects/",
                                    "button_label": "Publish",
                                },
                            ),
                        ]
                    ),
                }
            ),
        )
        page = StandardPage.objects.get(slug="how-experiments-work")
        self.assertEqual(page.body[2].value.href, "/projects/")

    def test_call_to_action_needs_a_target(self):
        """A call to action without page or URL is refused in the admin."""
        add_url = f"/admin/pages/add/hub/standardpage/{self.tree.home.pk}/"
        data = nested_form_data(
            {
                "title": "Broken",
                "slug": "broken",
                "intro": "",
                "body": streamfield(
                    [
                        (
                            "call_to_action",
                            {
                                "title": "Join",
                                "text": "",
                                "page": "",
                                "url": "",
                                "button_label": "Join",
                            },
                        )
                    ]
                ),
            }
        )
        response = self.client.post(add_url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose a page or enter a URL.")
        self.assertFalse(StandardPage.objects.filter(slug="broken").exists())

    def test_event_ending_before_it_starts_is_refused_in_the_admin(self):
        """The admin refuses an event whose end is before its start."""
        add_url = f"/admin/pages/add/hub/eventpage/{self.tree.event_index.pk}/"
        data = nested_form_data(
            {
                "title": "Backwards",
                "slug": "backwards",
                "start": "2026-12-10 18:00",
                "end": "2026-12-10 17:00",
                "place": "",
                "address": "",
                "registration_url": "",
                "intro": "Time runs backwards.",
                "body": streamfield([]),
            }
        )
        response = self.client.post(add_url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An event cannot end before it starts.")
        self.assertFalse(EventPage.objects.filter(slug="backwards").exists())
