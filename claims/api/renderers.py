"""The browsable API, under the site's Content Security Policy."""

from rest_framework.renderers import BrowsableAPIRenderer


class ApiBrowsableRenderer(BrowsableAPIRenderer):
    """DRF's browsable API without its one inline <style> (Pygments colours), which the CSP refuses."""

    def get_context(self, *args, **kwargs):
        context = super().get_context(*args, **kwargs)
        context["code_style"] = None
        return context
