from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import feeds, views
from .sitemaps import SITEMAPS

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("claims/<slug:slug>/share.png", views.claim_share_image, name="claim_share_image"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/captures/<int:capture>/", views.capture_detail, name="capture_detail"),
    path("sources/<int:pk>/captures/<int:capture>.warc.gz", views.capture_warc, name="capture_warc"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("methodology/", views.methodology, name="methodology"),
    path("corrections/", views.corrections, name="corrections"),
    path("api/", views.api, name="api"),
    path("feeds/claims.rss", views.reader_page(feeds.ClaimsFeed()), name="feed_claims_rss"),
    path("feeds/claims.atom", views.reader_page(feeds.ClaimsAtomFeed()), name="feed_claims_atom"),
    path("feeds/corrections.rss", views.reader_page(feeds.CorrectionsFeed()), name="feed_corrections_rss"),
    path("feeds/corrections.atom", views.reader_page(feeds.CorrectionsAtomFeed()), name="feed_corrections_atom"),
    path("sitemap.xml", views.reader_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
