"""The benchmark behind `manage.py bench` (see docs/PERFORMANCE.md): synthetic data, measurements, report."""
