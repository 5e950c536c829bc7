"""The one change history of the product: django-simple-history's ``HistoricalRecords``.

Each audited model (debtor, arrear, contract, campaign, township, user) declares
``history = AuditedRecords(...)``: every ``save()`` and ``delete()`` writes a row of its
historical table with all tracked fields, when and by whom (``HistoryRequestMiddleware``
takes the request's user; a service run outside a request sets ``instance._history_user``).
The audit pages (audit/selectors.py) compare each row with the one before it.

A save that touches only excluded fields (the login's ``last_login``) writes nothing. A
many-to-many change (a user's groups) writes a row, from either side; a ``clear()`` from the
other side (``group.user_set.clear()``) does not (it does not say whose).
Writes that bypass ``save()`` write no history: ``QuerySet.update()`` is not used for
tracked fields, bulk updates go through ``bulk_update_with_history``; rows created by a
ledger import (``imports.bulk.bulk_insert``, 100,000 at a time) are traced by their
``import_batch`` (who uploaded and confirmed which file, when) instead of a history row each.
"""

from simple_history.models import HistoricalRecords


class AuditedRecords(HistoricalRecords):
    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        # Changed from the other side (``group.user_set.add(*users)``): a row for each of the
        # audited objects concerned (simple-history would look for the group's history).
        if reverse:
            if action in ("post_add", "post_remove") and pk_set:
                for obj in self.cls._default_manager.filter(pk__in=pk_set):
                    super().m2m_changed(obj, action, attr, pk_set, False, **kwargs)
            return
        super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)
