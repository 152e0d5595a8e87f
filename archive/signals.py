"""The archive's signal: a watched source's original drifted, moved or went since it was cited.

Sent after the transaction that recorded it commits, with ``source``, ``capture`` and ``change``; delivery
channels (webhooks: ``source.changed``) listen to it.
"""

from django.dispatch import Signal

source_changed = Signal()
