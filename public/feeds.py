"""RSS 2.0 and Atom feeds: published claims (new and updated) and corrections."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.models import Claim, VerdictChange
from exchange.claimreview import canonical_url

FEED_ITEMS = 30


class ClaimsFeed(Feed):
    """Published claims, the most recently published or updated first."""

    description_template = "claims/feeds/claim_description.html"

    def title(self):
        return f"{settings.SITE_NAME}: latest fact checks"

    def link(self):
        return settings.SITE_URL + reverse("claims:claim_list")

    def description(self):
        return f"Claims checked by {settings.PUBLISHER_NAME}, new and updated."

    def items(self):
        return Claim.objects.published().select_related("claimant").order_by("-updated_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.get_verdict_display()}: {item.text}"

    def item_link(self, item):
        return canonical_url(item)

    def item_guid(self, item):
        return canonical_url(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at or item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return settings.PUBLISHER_NAME

    def item_categories(self, item):
        return [item.get_verdict_display()]


class ClaimsAtomFeed(ClaimsFeed):
    feed_type = Atom1Feed
    subtitle = ClaimsFeed.description


class CorrectionsFeed(Feed):
    """Corrections of verdicts on public claims, newest first."""

    description_template = "claims/feeds/correction_description.html"

    def title(self):
        return f"{settings.SITE_NAME}: corrections"

    def link(self):
        return settings.SITE_URL + reverse("claims:corrections")

    def description(self):
        return f"Every verdict {settings.PUBLISHER_NAME} corrected because of an error, newest first."

    def items(self):
        return (
            VerdictChange.objects.filter(kind=VerdictChange.Kind.CORRECTION, claim__in=Claim.objects.public())
            .select_related("claim")
            .order_by("-changed_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return f"Corrected: {item.get_previous_verdict_display()} → {item.get_verdict_display()}: {item.claim.text}"

    def item_link(self, item):
        return f"{canonical_url(item.claim)}#verdict-change-{item.pk}"

    def item_guid(self, item):
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.changed_at

    def item_updateddate(self, item):
        return item.changed_at

    def item_author_name(self, item):
        return settings.PUBLISHER_NAME


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description
