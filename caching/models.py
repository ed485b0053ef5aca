from django.db import models
from django.utils.translation import gettext_lazy as _


class DataStamp(models.Model):
    """One row: a token that every write of the directory's data replaces, in the
    writing transaction itself (caching/stamp.py).

    The generation (generation.py) lives in the cache, per process without Redis, and
    moves outside the writing transaction; the stored feeds and exports
    (caching/stored.py) need a version that every worker and every instance reads
    alike, with or without Redis, and that becomes visible exactly when the data it
    versions does: a row of the database."""

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("data stamp")
        verbose_name_plural = _("data stamps")

    def __str__(self):
        return self.token
