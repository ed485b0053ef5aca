"""HTML of the directory's result rows, written in Python.

The directory shows 20 poles per page on every request of its busiest page; through the
template engine each row cost about half a millisecond (a dozen variable lookups, a
translated sentence with a localised number, the sectors' loop), a quarter of the
page. The row is simple and stable, so it is written here with escaping done by
`conditional_escape` on every value; `poles/_results.html` places the result. The
sentences are the template's (same message ids, so the same translations).
"""

from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Pole
from .selectors import pole_url_prefix


def _sentence(message: str, **values) -> str:
    """A translated sentence (ours, trusted) with its escaped values."""
    return message % {name: conditional_escape(value) for name, value in values.items()}


def directory_rows_html(rows) -> SafeString:
    """The `<li class="pole-card">` rows of the directory: `rows` are dicts from
    `selectors.directory_rows()`."""
    status_labels = {value: capfirst(str(label)) for value, label in Pole.Status.choices}
    sectors_heading = conditional_escape(_("Activity sectors:"))
    founded = _("founded in %(year)s")
    etp_sentence = _("%(etp)s full-time equivalents (ETP) in %(year)s")
    to_complete = (
        f' · <span class="to-complete">{conditional_escape(_("record to complete"))}</span>'
    )
    url_prefix = pole_url_prefix()
    html = []
    for row in rows:
        meta = []
        if row["seat_commune__name"] is not None:
            meta.append(
                f"{conditional_escape(row['seat_commune__name'])} "
                f"({conditional_escape(row['seat_commune__departement__name'])}) · "
            )
        meta.append(conditional_escape(status_labels.get(row["status"], row["status"])))
        if row["founded_year"]:
            meta.append(" · " + _sentence(founded, year=row["founded_year"]))
        if row.get("to_complete"):
            meta.append(to_complete)
        parts = [
            '<li class="pole-card">\n',
            f'<h3><a href="{conditional_escape(url_prefix + row["slug"])}/">'
            f"{conditional_escape(row['name'])}</a></h3>\n",
            f'<p class="meta">{"".join(meta)}</p>\n',
        ]
        if row["summary"]:
            parts.append(f"<p>{conditional_escape(row['summary'])}</p>\n")
        if row["sectors"]:
            tags = " ".join(
                f'<span class="tag">{conditional_escape(label)}</span>' for label in row["sectors"]
            )
            parts.append(
                f'<p class="pole-card__sectors"><span class="visually-hidden">'
                f"{sectors_heading} </span>{tags}</p>\n"
            )
        if row["latest_etp"] is not None:
            etp = floatformat(row["latest_etp"], "-1")
            sentence = _sentence(etp_sentence, etp=etp, year=row["latest_etp_year"])
            parts.append(f'<p class="meta">{sentence}</p>\n')
        parts.append("</li>\n")
        html.append("".join(parts))
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above
