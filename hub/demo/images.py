"""Pictures for the demo content, drawn here with Pillow.

Every picture is generated from a seed (the item's slug), so reloading the
demo draws the same one and finds it already stored. They are our own work:
the demo content and its pictures may be used under the project's licence
(see docs/demo-images.md). Nothing is downloaded.
"""

import hashlib
import io
import random

from django.core.files.images import ImageFile
from django.utils.text import slugify

from wagtail.images import get_image_model
from wagtail.models import Collection

from PIL import Image, ImageDraw, ImageFont

from hub.templatetags.hub_images import initials

# The hub's palette (hub.css) and a few warm accents that go with it.
PALETTE = {
    "green": "#0b5d57",
    "deep green": "#073f3b",
    "pale green": "#e3f0ee",
    "blue": "#0a5570",
    "yellow": "#f2b134",
    "coral": "#e07a5f",
    "sage": "#81b29a",
    "navy": "#3d405b",
    "sand": "#f4efe6",
}
DARK = ("green", "deep green", "blue", "navy")
LIGHT = ("pale green", "sand")
ACCENTS = ("yellow", "coral", "sage", "pale green")

DEMO_COLLECTION = "Demo pictures"
MEMBERS_COLLECTION = "Members"


def _rng(seed: str) -> random.Random:
    return random.Random(hashlib.sha256(seed.encode()).hexdigest())  # noqa: S311


def illustration(seed: str, *, size=(1200, 800)) -> tuple[Image.Image, str]:
    """An abstract composition of circles, stripes and blocks, and its alt text."""
    rng = _rng(seed)
    width, height = size
    background = rng.choice(DARK + LIGHT)
    accents = rng.sample(
        [c for c in PALETTE if c != background and c not in LIGHT] + ["sand"], 3
    )
    picture = Image.new("RGB", size, PALETTE[background])
    draw = ImageDraw.Draw(picture)
    # Broad diagonal stripes first, then blocks, then circles on top.
    stripe = rng.choice(accents)
    step = width // rng.randint(5, 9)
    for x in range(-height, width, step * 2):
        draw.polygon(
            [(x, height), (x + step, height), (x + step + height, 0), (x + height, 0)],
            fill=PALETTE[stripe],
        )
    for _index in range(rng.randint(2, 4)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = (
            rng.randint(width // 8, width // 3),
            rng.randint(height // 8, height // 2),
        )
        draw.rectangle((x, y, x + w, y + h), fill=PALETTE[rng.choice(accents)])
    circles = rng.randint(2, 5)
    for _index in range(circles):
        r = rng.randint(height // 10, height // 3)
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=PALETTE[rng.choice(accents)])
    alt = (
        f"Abstract illustration: {circles} circles over {stripe} stripes "
        f"on a {background} background"
    )
    return picture, alt


def logo(seed: str, name: str, *, size=320) -> tuple[Image.Image, str]:
    """A round or square mark with the name's initials, and its alt text."""
    rng = _rng(seed)
    colour = rng.choice(DARK)
    accent = rng.choice(ACCENTS)
    picture = Image.new("RGB", (size, size), "#ffffff")
    draw = ImageDraw.Draw(picture)
    margin = size // 16
    box = (margin, margin, size - margin, size - margin)
    if rng.random() < 0.5:
        draw.ellipse(box, fill=PALETTE[colour])
    else:
        draw.rounded_rectangle(box, radius=size // 6, fill=PALETTE[colour])
    # An accent arc or bar, so two members with the same initials differ.
    if rng.random() < 0.5:
        draw.arc(box, rng.randint(0, 180), rng.randint(200, 340), PALETTE[accent], 14)
    else:
        draw.rectangle(
            (size // 4, size * 3 // 4, size * 3 // 4, size * 3 // 4 + 12),
            fill=PALETTE[accent],
        )
    font = ImageFont.load_default(size=size * 3 // 8)
    draw.text(
        (size / 2, size / 2),
        initials(name) or "?",
        fill="#ffffff",
        font=font,
        anchor="mm",
    )
    return picture, f"Logo of {name}"


def _collection(name: str) -> Collection:
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=name).first()
    return found or root.add_child(name=name)


def demo_image(draw, *, title: str, collection: str = DEMO_COLLECTION):
    """The stored Wagtail image titled `title`; if missing, `draw()` gives the
    picture and its alt text (drawn only then: reloading the demo is quick)."""
    Picture = get_image_model()
    folder = _collection(collection)
    existing = Picture.objects.filter(title=title, collection=folder).first()
    if existing is not None:
        return existing
    picture, alt = draw()
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=82, optimize=True)
    out.seek(0)
    image = Picture(
        title=title,
        description=alt,
        collection=folder,
        file=ImageFile(out, name=f"demo-{slugify(title)[:60]}.jpg"),
    )
    image.save()
    return image
