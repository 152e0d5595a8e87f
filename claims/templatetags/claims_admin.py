"""Template tags of the editors' admin."""

from django import template

register = template.Library()


@register.inclusion_tag("admin/claims/review_queue.html", takes_context=True)
def review_queue(context):
    """The admin home's review queue (claims.admin.review_queue)."""
    from claims.admin import review_queue as queue  # the admin module registers models: import it late

    request = context["request"]
    return {"queue": queue(request)}
