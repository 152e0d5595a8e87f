"""Content negotiation: an unknown ``?format=`` is a bad query parameter (400), not a missing page (404)."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ApiContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            choices = ", ".join(sorted({r.format for r in renderers if r.format}))
            raise ValidationError({self.settings.URL_FORMAT_OVERRIDE: [f"Choose one of: {choices}."]})
        return matching
