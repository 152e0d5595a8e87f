from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo story (the Sora leak) and `manage.py seed_demo`, which loads it."""

    name = "demo"
    verbose_name = "Demo"
