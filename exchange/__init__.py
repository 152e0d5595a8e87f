"""Exchange with the rest of the field: ClaimReview import and export, CSV, dataset dump and restore.

The parsing and mapping live here; management commands and API views stay thin.
"""
