from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchWord(models.Model):
    """A word of the poles' search texts (normalised: lower-case, accent-free).

    The lexicon PostgreSQL corrects a visitor's typos against (a trigram index on
    short words, migration 0006), instead of comparing the typed text with every
    pole's whole search text. Written by poles.services with the search texts; a word
    no pole uses any more is harmless (it only widens a query to a word that matches
    nothing) and goes at the next `rebuild_search_lexicon()`.
    """

    word = models.CharField(_("word"), max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self):
        return self.word
