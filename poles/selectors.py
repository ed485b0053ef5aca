"""Reads for the public pages: each function gives one page what it shows."""

from django.db.models import Prefetch

from members.models import Cooperator

from .models import KeyFigure, Membership, Pole, PoleSource


def home_poles():
    return Pole.objects.published().for_list()


def pole_detail_queryset():
    return (
        Pole.objects.published()
        .for_list()
        .prefetch_related(
            "pooling_types",
            "recognitions",
            "networks",
            "territory_communes",
            "territory_epcis",
            "territory_departements",
            "territory_regions",
            Prefetch("figures", queryset=KeyFigure.objects.order_by("-year")),
            Prefetch("sources", queryset=PoleSource.objects.order_by("position", "id")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related(
                    "structure__legal_form", "structure__headcount_band"
                )
                .prefetch_related("structure__approvals")
                .order_by("role", "structure__name"),
            ),
            Prefetch(
                "cooperators",
                queryset=Cooperator.objects.current().select_related("college"),
            ),
        )
    )
