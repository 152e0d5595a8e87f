from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Exchange with the rest of the field: ClaimReview, CSV and the dataset (see exchange/__init__.py)."""

    name = "exchange"
    verbose_name = "Exchange"
