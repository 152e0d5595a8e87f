"""The demo story (data/sora-leak.json) and `manage.py seed_demo`, which loads it through the services."""
