"""A pole page's key figures table is written in Python (`{% figure_rows %}`,
poles/templatetags/pole_page.py): the same HTML as the template loop it replaced, in
French and English."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from poles.models import KeyFigure

from ..factories import KeyFigureFactory, PoleFactory

pytestmark = pytest.mark.django_db

TEMPLATE_LOOP = Template(
    """{% load i18n humanize ptce %}{% for figure in figures %}
<tr>
  <th scope="row">{{ figure.year }}{% if figure.is_approximate %} <span class="approx">({% translate "approximate" %})</span>{% endif %}</th>
  <td class="num">{% if figure.etp is None %}—{% else %}{{ figure.etp|etp }}{% endif %}</td>
  <td class="num">{% if figure.turnover is None %}—{% else %}{{ figure.turnover|intcomma }} €{% endif %}</td>
  <td class="num">{{ figure.member_structures_count|default_if_none:"—" }}</td>
  <td class="num">{{ figure.cooperators_count|default_if_none:"—" }}</td>
  <td class="source"{% if figure.source %}{% french_text_lang %}{% endif %}>{{ figure.source|default:"—" }}{% if figure.note %}<br><span class="meta">{{ figure.note }}</span>{% endif %}</td>
</tr>
{% endfor %}"""  # noqa: E501 - the template as it was
)
TAG = Template("{% load pole_page %}{% figure_rows figures %}")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_rows_are_the_template_s(language):
    pole = PoleFactory()
    KeyFigureFactory(
        pole=pole,
        year=2024,
        etp=Decimal("12.50"),
        turnover=1_234_567,
        member_structures_count=0,
        cooperators_count=1200,
        is_approximate=True,
        source="Rapport <annuel> & bilan",
        note="Chiffres « provisoires »",
    )
    KeyFigureFactory(pole=pole, year=2023, etp=None, turnover=None, source="", note="")
    KeyFigureFactory(pole=pole, year=2022, etp=Decimal("0.75"), turnover=0, source="Site")
    figures = list(KeyFigure.objects.filter(pole=pole).order_by("-year"))
    with translation.override(language):
        ours = TAG.render(Context({"figures": figures}))
        theirs = TEMPLATE_LOOP.render(Context({"figures": figures}))
    SimpleTestCase().assertHTMLEqual(ours, theirs)
    assert ours.count("<tr>") == 3
    assert "Rapport &lt;annuel&gt; &amp; bilan" in ours
    assert (' lang="fr"' in ours) == (language == "en")
