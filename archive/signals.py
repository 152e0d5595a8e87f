"""The archive's signal: a watched source's original drifted, moved or went since it was cited.

Sent after the transaction that recorded it commits, with ``source``, ``capture`` and ``change``. Webhooks do not
listen to it: the same transaction writes a ``source.changed`` PublicChange (the outbox they deliver from), so an
event is never lost between the commit and the signal.
"""

from django.dispatch import Signal

source_changed = Signal()
