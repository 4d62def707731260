"""The main user journeys, end to end in Chromium against the live server:
search with facets and languages, sign-up to contact request, the double
opt-in of contact details, and an editor publishing news in Wagtail."""

import re
from urllib.parse import parse_qs, urlsplit

from django.core import mail

from wagtail.models import Page

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from hub.models import NewsIndexPage, NewsPage
from hub.tests.browser.conftest import PASSWORD, log_in, url, user_create, wait_htmx
from members.models import (
    ContactRequest,
    ContactStatus,
    Member,
    MemberManager,
    MemberStatus,
    Offer,
)
from members.tests.factories import MemberFactory
from projects.models import Project, ProjectStatus

pytestmark = pytest.mark.browser


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def checked(page) -> set[tuple[str, str]]:
    boxes = page.locator("#search-body .facet input[type=checkbox]:checked")
    return {
        (box.get_attribute("name"), box.get_attribute("value")) for box in boxes.all()
    }


def result_count(page) -> int:
    return int(re.search(r"\d+", page.locator("#results-heading").inner_text())[0])


def test_visitor_searches_with_two_facets_opens_a_profile_and_switches_language(
    network, page
):
    """A query and two facets narrow the results through htmx, each step has
    its own URL, back/forward restore the facets and counts, and the profile
    opened from the results reads the same in French and Dutch."""
    page.goto(url("members:list"))
    page.locator("#search-q").fill("logement")
    page.locator("#search-q").press("Enter")
    page.wait_for_url(re.compile(r"q=logement"))
    wait_htmx(page)
    after_query = result_count(page)
    assert after_query > 1

    kind = page.locator("#search-body input[name=kind]").first
    kind_value = kind.get_attribute("value")
    kind.check()
    page.wait_for_url(re.compile(rf"kind={kind_value}"))
    wait_htmx(page)
    after_kind = result_count(page)
    assert 0 < after_kind <= after_query

    sector = page.locator("#search-body input[name=sector]:not(:checked)").first
    sector_value = sector.get_attribute("value")
    sector.check()
    page.wait_for_url(re.compile(rf"sector={sector_value}"))
    wait_htmx(page)
    after_both = result_count(page)
    assert 0 < after_both <= after_kind
    params = query_of(page)
    assert (params["q"], params["kind"], params["sector"]) == (
        ["logement"],
        [kind_value],
        [sector_value],
    )
    assert checked(page) == {("kind", kind_value), ("sector", sector_value)}
    # Every result really has the kind and the sector chosen.
    slugs = [
        href.rstrip("/").rsplit("/", 1)[-1]
        for href in page.locator(".result__title a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    assert len(slugs) == after_both
    for member in Member.objects.filter(slug__in=slugs):
        assert member.kind == kind_value
        assert member.sectors.filter(slug=sector_value).exists()

    page.go_back()
    page.wait_for_url(lambda u: "sector=" not in u and f"kind={kind_value}" in u)
    assert checked(page) == {("kind", kind_value)}
    assert result_count(page) == after_kind
    page.go_forward()
    page.wait_for_url(re.compile(rf"sector={sector_value}"))
    assert checked(page) == {("kind", kind_value), ("sector", sector_value)}
    assert result_count(page) == after_both

    first = page.locator(".result__title a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == name
    member = Member.objects.get(name=name)
    for lang in ("fr", "nl"):
        page.locator(f"#language-switcher button[value={lang}]").click()
        page.wait_for_url(re.compile(rf"/{lang}/"))
        assert urlsplit(page.url).path == url("members:detail", lang, slug=member.slug)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == name


def _confirmation_link(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    return re.search(r"https?://\S+/confirm-email/\S+/", message.body)[0]


@pytest.fixture
def impact_lab(network):
    """A published research lab that offers exactly what the new experiment
    will seek, managed by an account that answers contact requests."""
    lab = MemberFactory(
        name="Impact Lab Bruxelles",
        kind="researcher",
        headline="Évaluation d'impact social de projets de logement",
        description="Nous évaluons l'impact social des projets de rénovation "
        "et de logement solidaire à Bruxelles.",
        email="hello@impactlab.example.org",
        status=MemberStatus.PUBLISHED,
        open_to_collaboration=True,
    )
    Offer.objects.create(
        member=lab, text="Évaluation d'impact social des projets de logement"
    )
    lab.save()  # queue the offer's text for the index
    receiver = user_create("researcher@impactlab.example.org")
    MemberManager.objects.create(member=lab, user=receiver)
    return lab


def test_new_member_signs_up_publishes_an_experiment_and_contacts_a_suggestion(
    impact_lab, page, browser, live_server
):
    """Sign-up, e-mail verification through the link of the sent e-mail, an
    organisation profile, an experiment with a need published by its manager,
    suggested partners with reasons, and a contact request sent from one; the
    receiver accepts it and only then sees the sender's e-mail."""
    email = "founder@renovation-lab.example.org"
    page.goto(url("account_signup"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password2]")).locator(
        "[type=submit]"
    ).click()
    page.wait_for_load_state()
    link = _confirmation_link(email)
    page.goto(link)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    assert EmailAddress.objects.get(email=email).verified

    # The confirmation logged the new member in: the profile form opens.
    page.goto(url("members:create"))
    assert "/accounts/login" not in page.url
    page.locator("input[name=name]").fill("Renovation Lab Molenbeek")
    page.locator("select[name=kind]").select_option("entrepreneur")
    page.locator("input[name=is_organisation]").check()
    page.locator("textarea[name=description]").fill(
        "Une entreprise sociale qui rénove des logements avec ses habitants."
    )
    page.locator("input[name=email]").fill("contact@renovation-lab.example.org")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    member = Member.objects.get(name="Renovation Lab Molenbeek")
    assert member.is_organisation and member.status == MemberStatus.PENDING
    assert page.locator("h1").inner_text() == "Renovation Lab Molenbeek"

    # An editor publishes the new profile (moderation is tested elsewhere).
    member.status = MemberStatus.PUBLISHED
    member.save()

    page.goto(url("projects:create"))
    page.locator("input[name=title]").fill("Rénovation participative à Molenbeek")
    page.locator("textarea[name=summary]").fill(
        "Des habitants rénovent leurs logements avec une entreprise sociale."
    )
    page.locator("select[name=stage]").select_option("pilot")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    project = Project.objects.get(title="Rénovation participative à Molenbeek")
    assert project.status == ProjectStatus.DRAFT

    page.goto(url("projects:needs", slug=project.slug))
    page.locator("select[name$='-kind']").first.select_option("researcher")
    page.locator("textarea[name$='-text'], input[name$='-text']").first.fill(
        "Évaluation d'impact social de la rénovation des logements"
    )
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert project.needs.count() == 1

    page.goto(url("projects:detail", slug=project.slug))
    page.locator("form[action$='/publish/'] [type=submit]").click()
    page.wait_for_load_state()
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED

    panel = page.locator("#suggested-partners")
    suggestion = panel.locator("li.suggestion").filter(has_text=impact_lab.name)
    assert suggestion.count() == 1, panel.inner_text()
    reasons = suggestion.locator("ul.reasons li").all_inner_texts()
    assert reasons and all(text.strip() for text in reasons)
    suggestion.get_by_role("link", name=re.compile("Contact")).click()
    page.wait_for_load_state()
    message = page.locator("textarea[name=message]")
    if not message.input_value().strip():
        message.fill("Bonjour, pourriez-vous évaluer notre rénovation participative?")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    request = ContactRequest.objects.get(sender=member, receiver=impact_lab)
    assert request.status == ContactStatus.PENDING

    # The receiver, in a browser of their own.
    receiver = browser.new_context(base_url=live_server.url)
    try:
        other = receiver.new_page()
        log_in(other, "researcher@impactlab.example.org")
        other.goto(url("contacts:detail", pk=request.pk))
        assert "contact@renovation-lab.example.org" not in other.content()
        other.goto(url("dashboard:home"))
        assert "contact@renovation-lab.example.org" not in other.content()
        other.goto(url("contacts:detail", pk=request.pk))
        other.locator("form[action$='/accept/'] [type=submit]").first.click()
        other.wait_for_load_state()
        request.refresh_from_db()
        assert request.status == ContactStatus.ACCEPTED
        assert other.get_by_role(
            "link", name="contact@renovation-lab.example.org"
        ).is_visible()
    finally:
        receiver.close()


def test_editor_publishes_news_in_wagtail_and_finds_it_on_the_site(demo_site, page):
    """An editor writes a news page under the news index in the Wagtail admin,
    publishes it, then reads it on the site and finds it with /search/."""
    user_create("editor@hub.example.org", is_staff=True, is_superuser=True)
    news_index = NewsIndexPage.objects.live().first()
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("editor@hub.example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"/admin/pages/add/hub/newspage/{news_index.pk}/")
    title = "Zanzibar cooperative joins the Brussels hub"
    page.locator("input[name=title]").fill(title)
    intro = page.locator("[name=intro]")
    if intro.count():
        intro.fill("A new member brings its repair workshops to the network.")
    # The admin's footer menu is wired by its scripts: wait for them, and for
    # the menu to open, before publishing (clicking earlier can do nothing).
    page.wait_for_load_state("networkidle")
    publish = page.locator("button[name=action-publish]")
    for _attempt in range(3):
        page.locator(
            "footer .w-dropdown__toggle, [data-w-dropdown-target=toggle]"
        ).last.click()
        try:
            publish.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    publish.click()
    page.wait_for_url(re.compile(rf"/admin/pages/{news_index.pk}/"), timeout=30_000)
    news = NewsPage.objects.get(title=title)
    assert news.live

    page.goto(news.url)
    assert page.locator("h1").inner_text() == title
    page.goto(url("search") + "?q=Zanzibar")
    assert page.get_by_role("link", name=title).is_visible()
    assert Page.objects.filter(title=title).count() == 1
