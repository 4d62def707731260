"""StreamField blocks: every block type renders on a standard page."""

from django.core.exceptions import ValidationError

import pytest

from hub.blocks import validate_link


def test_standard_page_renders_every_block(client, tree):
    """Each block of the body shows its content with the right markup."""
    response = client.get(tree.standard.url)
    assert response.status_code == 200
    html = response.text
    # heading
    assert '<h2 class="block-heading">What the hub is</h2>' in html
    # rich text
    assert "An open network where a zanzibarian word hides." in html
    # image with alt text and caption
    assert 'alt="Volunteers at a repair café"' in html
    assert "<figcaption>Repair café in Anderlecht</figcaption>" in html
    # quote with attribution
    assert "We met a research team that needed exactly our data." in html
    assert "Coordinator of a repair social enterprise" in html
    # call to action
    assert '<a class="button" href="/en/members/">Create a profile</a>' in html
    # embed, from the stored oEmbed answer
    assert 'src="https://www.youtube.com/embed/hub-demo"' in html
    # testimonial
    assert "Mathilde Leroy-Vandamme" in html
    assert "Coopérative Potager Commun" in html
    # contact person: e-mail as mailto link, phone as tel link
    assert 'href="mailto:coordination@hub.example.org"' in html
    assert 'href="tel:+3225559010"' in html


def test_image_block_falls_back_to_image_description(client, tree):
    """Without alt text, the image's own description is the alternative text."""
    tree.standard.body = [
        {
            "type": "image",
            "value": {"image": tree.image.pk, "alt_text": "", "caption": ""},
        }
    ]
    tree.standard.save_revision().publish()
    response = client.get(tree.standard.url)
    assert f'alt="{tree.image.description}"' in response.text


@pytest.mark.parametrize(
    "value",
    ["/members/", "#contact", "https://bissib.example.org/", "mailto:a@b.be"],
)
def test_link_accepts_site_paths_and_urls(value):
    """Links may be site paths, anchors, http(s) URLs or mailto links."""
    validate_link(value)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "//evil.example", "www"])
def test_link_refuses_other_values(value):
    """Script URLs, protocol-relative URLs and bare words are refused."""
    with pytest.raises(ValidationError):
        validate_link(value)
