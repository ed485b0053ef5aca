"""What bumps the generation: every save, delete and many-to-many change of a model
of the apps that make up the public pages (`settings.PAGE_CACHE_SOURCE_APPS`), once
per transaction.

Signals are the exception to the house rule here on purpose: invalidation is
cross-cutting, and a missed call site would show stale pages. Bulk writes that send no
signal call `bump_generation()` themselves; the page-cache middleware also bumps after
any successful unsafe request of a signed-in user (admin actions, imports).
"""

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .generation import bump_cache_generation, bump_generation, read_since_bump


def _bump_pending(connection) -> bool:
    """Does this transaction already bump the generation when it commits?

    Django's own on-commit queue is the state: it is emptied on commit and on
    rollback, and a rolled-back savepoint drops the callbacks registered inside it, so
    nothing needs to be stored on the connection or the atomic block."""
    return any(entry[1] is bump_cache_generation for entry in connection.run_on_commit)


def on_source_change(sender, using=None, **kwargs):
    """Bump now, so that the editor's next request already misses, and again once the
    transaction commits, so that a page rendered meanwhile by a concurrent request
    (from the data before the commit) cannot stay cached. Once per transaction: a
    bulk delete sends a signal per row. The data stamp (stamp.py) is replaced with the
    first bump, inside the transaction: it commits with the data."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump_generation()
    elif not _bump_pending(connection):
        transaction.on_commit(bump_cache_generation, using=using)
        bump_generation()
    elif read_since_bump.get():
        # A page was rendered in this context since the last bump (a test's client,
        # or the same request reading back): bump again so that it is not served stale.
        bump_generation()


def connect_signals():
    """Connect the receivers to each model of the source apps (from ready())."""
    derived = {label.lower() for label in getattr(settings, "PAGE_CACHE_DERIVED_MODELS", ())}
    for app_label in getattr(settings, "PAGE_CACHE_SOURCE_APPS", ()):
        for model in apps.get_app_config(app_label).get_models():
            label = model._meta.label_lower
            if label in derived:
                continue
            uid = f"ptce-public-cache-{label}"
            post_save.connect(on_source_change, sender=model, dispatch_uid=uid)
            post_delete.connect(on_source_change, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    on_source_change,
                    sender=field.remote_field.through,
                    dispatch_uid=f"{uid}-{field.name}",
                )
