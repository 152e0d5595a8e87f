"""RSS 2.0 and Atom feeds: published claims (new and updated) and corrections."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims import public_record
from claims.models import Claim
from exchange.claimreview import canonical_url

FEED_ITEMS = 30


class ClaimsFeed(Feed):
    """Published claims, the most recently published or updated (for readers: a verdict change or public note)
    first."""

    description_template = "claims/feeds/claim_description.html"

    def title(self):
        return f"{settings.SITE_NAME}: latest fact checks"

    def link(self):
        return settings.SITE_URL + reverse("claims:claim_list")

    def description(self):
        return f"Claims checked by {settings.PUBLISHER_NAME}, new and updated."

    def items(self):
        return (
            Claim.objects.published()
            .select_related("claimant")
            .order_by(F("public_updated_at").desc(nulls_last=True), "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return f"{item.get_verdict_display()}: {item.text}"

    def item_link(self, item):
        return canonical_url(item)

    def item_guid(self, item):
        return canonical_url(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.public_updated_at or item.published_at

    def item_author_name(self, item):
        return settings.PUBLISHER_NAME

    def item_categories(self, item):
        return [item.get_verdict_display()]


class ClaimsAtomFeed(ClaimsFeed):
    feed_type = Atom1Feed
    subtitle = ClaimsFeed.description


class CorrectionsFeed(Feed):
    """Corrections on public claims, of a verdict or in a public note, newest first."""

    description_template = "claims/feeds/correction_description.html"

    def title(self):
        return f"{settings.SITE_NAME}: corrections"

    def link(self):
        return settings.SITE_URL + reverse("claims:corrections")

    def description(self):
        return f"Every correction {settings.PUBLISHER_NAME} made because of an error, newest first."

    def items(self):
        return public_record.load(public_record.corrections()[:FEED_ITEMS])

    def item_title(self, item):
        if item.is_note:
            return f"Corrected: {item.claim.text}"
        change = item.obj
        return f"Corrected: {change.get_previous_verdict_display()} → {change.get_verdict_display()}: {item.claim.text}"

    def item_link(self, item):
        return f"{canonical_url(item.claim)}#{item.anchor}"

    def item_guid(self, item):
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.when

    def item_updateddate(self, item):
        return item.when

    def item_author_name(self, item):
        return settings.PUBLISHER_NAME


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description
