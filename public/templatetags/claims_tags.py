from django import template
from django.template.defaultfilters import striptags, truncatechars

from claims.verdicts import meaning as _verdict_meaning

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Editors' Markdown as sanitized HTML (see public.markdown)."""
    return render_markdown(text)


@register.filter
def markdown_excerpt(text, length=160):
    """Plain text of Markdown, shortened: for meta descriptions."""
    return truncatechars(" ".join(striptags(render_markdown(text)).split()), length)


@register.filter
def verdict_meaning(verdict):
    return _verdict_meaning(verdict)
