from django import template
from django.utils import translation
from django.utils.html import format_html

from hub.language import written_language

register = template.Library()


@register.simple_tag
def lang_attr(*texts):
    """` lang="fr"` when the texts are written in another language than the page.

    The texts are guessed together (a headline and its description say more
    than either alone); nothing is printed when the guess is unsure or is the
    page's own language.
    """
    language = written_language(" ".join(str(text) for text in texts if text))
    if language is None or language == translation.get_language():
        return ""
    return format_html(' lang="{}"', language)
