"""The pages a public directory owes its visitors (legal notice, privacy, accessibility,
contact), in French and English, edited by staff as plain text: paragraphs separated by
a blank line, web and e-mail addresses made links. No HTML, no markup language."""

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Page(models.Model):
    class Slug(models.TextChoices):
        LEGAL = "mentions-legales", _("legal notice")
        PRIVACY = "confidentialite", _("privacy")
        ACCESSIBILITY = "accessibilite", _("accessibility")
        CONTACT = "contact", _("contact")

    slug = models.CharField(_("page"), max_length=30, choices=Slug.choices, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_fr = models.TextField(
        _("text (French)"),
        help_text=_("Plain text: separate paragraphs with a blank line; addresses become links."),
    )
    body_en = models.TextField(
        _("text (English)"),
        help_text=_("Plain text: separate paragraphs with a blank line; addresses become links."),
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(URL_NAMES[self.slug])

    @property
    def _english(self) -> bool:
        return (get_language() or "fr").startswith("en")

    @property
    def title(self) -> str:
        return (self.title_en if self._english else self.title_fr) or self.title_fr

    @property
    def body(self) -> str:
        return (self.body_en if self._english else self.body_fr) or self.body_fr


URL_NAMES = {
    Page.Slug.LEGAL: "pages:legal",
    Page.Slug.PRIVACY: "pages:privacy",
    Page.Slug.ACCESSIBILITY: "pages:accessibility",
    Page.Slug.CONTACT: "pages:contact",
}
