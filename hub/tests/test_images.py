"""Logos, experiment pictures and image rules: alt text, sizes, placeholders."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form

import pytest
from PIL import Image

from hub.tests.factories import ImageFactory
from members.image_upload import MAX_UPLOAD_BYTES, LogoUploadMixin
from members.models import Member
from members.tests.factories import MemberFactory
from members.tests.test_profiles import make_user, managed_member, profile_data
from projects.tests.factories import ProjectFactory
from search.services import index_refresh

pytestmark = pytest.mark.django_db


def png_bytes(size=(40, 30), *, exif: bool = False, image_format="PNG") -> bytes:
    picture = Image.new("RGB", size, "#0b5d57")
    out = io.BytesIO()
    options = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        options["exif"] = tags
    picture.save(out, format=image_format, **options)
    return out.getvalue()


def test_profile_shows_the_logo_with_its_alt_text_and_size(client):
    """A member's logo is a WebP rendition with width, height and the image's
    description as alt text."""
    logo = ImageFactory(description="Logo of Potager Commun")
    member = MemberFactory(name="Potager Commun", logo=logo)

    html = client.get(member.get_absolute_url()).text

    assert 'alt="Logo of Potager Commun"' in html
    assert 'class="logo logo--large"' in html
    assert ".webp" in html
    assert 'width="' in html and 'height="' in html


def test_profile_without_logo_shows_a_neutral_initials_placeholder(client):
    """No logo: the initials, hidden from screen readers (the name is the h1)."""
    member = MemberFactory(name="Université libre de Bruxelles")

    html = client.get(member.get_absolute_url()).text

    assert (
        '<span class="logo logo--initials logo--large" aria-hidden="true">UB</span>'
        in html
    )


def test_experiment_page_shows_its_picture_with_alt_text(client):
    """The experiment page header carries a responsive picture with alt text."""
    picture = ImageFactory(description="Solar panels on a social housing roof")
    project = ProjectFactory(title="Zon voor huurders", image=picture)

    html = client.get(project.get_absolute_url()).text

    assert 'alt="Solar panels on a social housing roof"' in html
    assert "srcset=" in html
    assert 'class="project-image project-image--large"' in html


def test_home_featured_cards_show_pictures_lazily_or_initials(client, tree):
    """Featured cards: a lazy, decorative picture, or an initials panel."""
    picture = ImageFactory(description="A shared kitchen")
    ProjectFactory(title="Test Kitchen", image=picture)
    ProjectFactory(title="Repair Café Network")

    html = client.get(tree.home.url).text

    assert 'loading="lazy"' in html
    assert "project-image--placeholder" in html
    assert ">RC</span>" in html


def test_admin_image_form_requires_alt_text():
    """Wagtail's image form (admin, chooser, multiple upload) refuses an image
    without a description, which templates use as alt text."""
    form_class = get_image_form(get_image_model())
    data = {"title": "Logo", "description": ""}
    files = {"file": SimpleUploadedFile("logo.png", png_bytes(), "image/png")}

    form = form_class(data, files)

    assert not form.is_valid()
    assert "description" in form.errors


class LogoForm(LogoUploadMixin, modelform_factory(Member, fields=["name"])):
    pass


def upload(content: bytes, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type)


def test_logo_upload_creates_a_described_image_in_the_members_collection():
    """An uploaded logo becomes a Wagtail image in "Members", with its alt
    text and without the photo's EXIF metadata."""
    member = MemberFactory(name="Atelier Couture Marolles")
    form = LogoForm(
        {"name": member.name, "logo_alt": "Logo of Atelier Couture Marolles"},
        {"logo_upload": upload(png_bytes(exif=True, image_format="JPEG"), "a.jpg")},
        instance=member,
    )

    assert form.is_valid(), form.errors
    form.save()
    member.refresh_from_db()

    assert member.logo.description == "Logo of Atelier Couture Marolles"
    assert member.logo.collection.name == "Members"
    with member.logo.open_file() as stored:
        assert not Image.open(stored).getexif()


def test_logo_upload_needs_alt_text():
    """A new image without a description is refused."""
    member = MemberFactory()
    form = LogoForm(
        {"name": member.name}, {"logo_upload": upload(png_bytes())}, instance=member
    )

    assert not form.is_valid()
    assert "logo_alt" in form.errors


def test_logo_upload_refuses_svg_and_oversized_files():
    """SVG (it can carry scripts) and files above the limit are refused."""
    member = MemberFactory()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for file in (
        upload(svg, "logo.svg", "image/svg+xml"),
        upload(png_bytes() + b"\0" * MAX_UPLOAD_BYTES, "big.png"),
    ):
        form = LogoForm(
            {"name": member.name, "logo_alt": "Logo"},
            {"logo_upload": file},
            instance=member,
        )
        assert not form.is_valid()
        assert "logo_upload" in form.errors


def test_logo_can_be_removed():
    """Ticking "remove" clears the member's logo."""
    member = MemberFactory(logo=ImageFactory(description="Old logo"))
    form = LogoForm({"name": member.name, "logo_remove": "on"}, {}, instance=member)

    assert form.is_valid(), form.errors
    form.save()
    member.refresh_from_db()
    assert member.logo is None


@pytest.mark.django_db(transaction=True)
def test_search_results_show_logos_and_pictures(client, search_index):
    """Member and experiment results carry the logo or picture beside the
    name (decorative: the name is the link), or the initials."""
    logo = ImageFactory(description="Logo of Habitat Solidaire")
    MemberFactory(name="Habitat Solidaire", description="logement", logo=logo)
    MemberFactory(name="Wonen Samen", description="logement")
    ProjectFactory(title="Logement partagé", image=ImageFactory())
    index_refresh()

    members = client.get("/en/members/", {"q": "logement"}).text
    projects = client.get("/en/projects/", {"q": "logement"}).text

    assert 'class="logo" alt=""' in members or 'alt="" class="logo"' in members
    assert '<span class="logo logo--initials" aria-hidden="true">WS</span>' in members
    assert "project-image--small" in projects and ".webp" in projects


def test_member_uploads_a_logo_from_the_profile_form(client):
    """The front-end profile form takes a logo with its alt text; the profile
    then shows it."""
    owner = make_user("owner")
    member = managed_member(owner, name="Habitat Solidaire")
    client.force_login(owner)
    edit_url = reverse("members:edit", kwargs={"slug": member.slug})
    assert 'enctype="multipart/form-data"' in client.get(edit_url).text

    data = profile_data(name="Habitat Solidaire", logo_alt="Logo of Habitat Solidaire")
    data["logo_upload"] = upload(png_bytes((120, 120)))
    response = client.post(edit_url, data)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.logo.description == "Logo of Habitat Solidaire"
    assert (
        'alt="Logo of Habitat Solidaire"' in client.get(member.get_absolute_url()).text
    )


@pytest.mark.django_db(transaction=True)
def test_search_results_read_their_logos_renditions_at_once(
    client, search_index, settings
):
    """The listing's logos come with their renditions in one prefetch: the
    page's queries do not grow with the number of results that have a logo.
    (Wagtail notes each rendition in its `renditions` cache, else in the
    default one: the database cache in production, queries per logo.)"""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hub_cache",
        },
    }
    call_command("createcachetable")

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/en/members/", {"q": "compostage"}).content.decode()
        return len(captured), html.count('class="logo"')

    for n in range(2):
        MemberFactory(
            name=f"Compost {n}", description="Compostage.", logo=ImageFactory()
        )
    index_refresh()
    client.get("/en/members/", {"q": "compostage"})  # renditions made once
    few, logos = page_queries()
    assert logos == 2
    for n in range(2, 8):
        MemberFactory(
            name=f"Compost {n}", description="Compostage.", logo=ImageFactory()
        )
    index_refresh()
    client.get("/en/members/", {"q": "compostage"})
    many, logos = page_queries()
    assert logos == 8
    assert many == few
