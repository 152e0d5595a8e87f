from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site, the readers' pages: views, feeds, sitemaps and their template tags.

    Its URLs keep the ``claims:`` namespace (public/urls.py) and its static files the ``claims/`` path, so that
    templates name them as before."""

    name = "public"
    verbose_name = "Public site"
