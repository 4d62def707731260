"""Images of members and experiments in listings: logos, photos, initials."""

from django import template
from django.apps import apps
from django.db.models import Prefetch

register = template.Library()

# Words that make poor initials.
SMALL_WORDS = {"a", "à", "de", "des", "du", "en", "et", "het", "la", "le", "les"}
SMALL_WORDS |= {"of", "the", "and", "van", "voor", "een", "d", "l", "&", "-"}


@register.filter
def initials(name: str) -> str:
    """Up to two capital letters standing in for a missing logo."""
    words = [w for w in str(name or "").replace("'", " ").split() if w[:1].isalnum()]
    kept = [w for w in words if w.lower() not in SMALL_WORDS] or words
    # Capitalised words carry the name: "Université libre de Bruxelles" → "UB".
    capitalised = [w for w in kept if w[0].isupper()]
    if len(capitalised) >= 2:
        kept = capitalised
    return "".join(w[0] for w in kept[:2]).upper()


@register.simple_tag(takes_context=True)
def hit_images(context, hits, model_label: str, field_name: str) -> dict:
    """`{hit.id: image}` for search hits, read in one query per page.

    Search hits carry Elasticsearch sources, not records; the image is looked
    up by primary key here instead of widening every document. The answer is
    kept in the page's context, as the tag runs once for each result.
    """
    key = f"_hit_images_{model_label}_{field_name}_{id(hits)}"
    if key not in context:
        context.dicts[0][key] = _hit_images(hits, model_label, field_name)
    return context[key]


def _hit_images(hits, model_label: str, field_name: str) -> dict:
    ids = [hit.id for hit in hits]
    if not ids:
        return {}
    model = apps.get_model(model_label)
    images = model._meta.get_field(field_name).related_model.objects
    rows = (
        model.objects.filter(pk__in=ids, **{f"{field_name}__isnull": False})
        .only("pk", field_name)
        # The renditions with their images: `{% image %}` then finds its size
        # among them instead of asking the cache or the database per result.
        .prefetch_related(Prefetch(field_name, queryset=images.prefetch_renditions()))
    )
    return {row.pk: getattr(row, field_name) for row in rows}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
