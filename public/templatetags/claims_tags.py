import datetime

from django import template
from django.template.defaultfilters import striptags, truncatechars
from django.utils import timezone

from archive import reading
from claims.public_record import in_words
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


@register.filter
def html_datetime(value):
    """A datetime as HTML's valid global date and time string, in UTC to the second: 2024-11-27T10:00:00Z
    (a <time datetime> may not carry microseconds, which Django's "c" format writes)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


@register.filter
def names(values):
    """A list of names in words: "Ann", "Ann and Bo", "Ann, Bo and Cy"."""
    return in_words(values)


@register.filter
def what_happened(capture):
    """A capture's outcome in words: waiting, first capture, unchanged, drifted, gone, failed…"""
    return reading.what_happened(capture)


@register.filter
def original_notice(source):
    """What readers are told when a source's original drifted, moved or went since it was cited (or None)."""
    return reading.original_notice(source)
