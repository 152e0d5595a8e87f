"""/sitemap.xml: every public page, on the site's canonical address (settings.SITE_URL)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from claims.models import Claim, Source, Speaker, Topic


class CanonicalSitemap(Sitemap):
    """URLs on SITE_URL, whatever host the request came in on."""

    limit = 5000

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ClaimSitemap(CanonicalSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Claim.objects.public().only("slug", "published_at", "public_updated_at").order_by("pk")

    def lastmod(self, item):
        # What readers see last changed: never a silent internal save.
        return item.public_updated_at or item.published_at


class SpeakerSitemap(CanonicalSitemap):
    changefreq = "weekly"

    def items(self):
        return Speaker.objects.visible_to(AnonymousUser()).only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class SourceSitemap(CanonicalSitemap):
    changefreq = "monthly"

    def items(self):
        return Source.objects.visible_to(AnonymousUser()).only("pk", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class TopicSitemap(CanonicalSitemap):
    changefreq = "weekly"

    def items(self):
        return Topic.objects.filter(Exists(Claim.objects.public().filter(topics=OuterRef("pk")))).order_by("pk")


class StaticSitemap(CanonicalSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["claims:home", "claims:claim_list", "claims:methodology", "claims:corrections"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": StaticSitemap,
    "claims": ClaimSitemap,
    "speakers": SpeakerSitemap,
    "sources": SourceSitemap,
    "topics": TopicSitemap,
}
