"""The public's side of suggestions: two forms and a follow page.

Thin on purpose: a submission validates the form, checks two cache counters, stores
one row and sends the e-mails; it never touches the directory's records, so a flood
of suggestions neither slows nor invalidates the public pages (their cache is bumped
by directory edits only).
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from poles.models import Pole

from . import notifications, ratelimit, services
from .forms import CorrectionForm, NewPoleForm
from .models import Suggestion
from .proposals import UNIT_LABELS

FORM_TEMPLATE = "suggestions/suggestion_form.html"


def max_body_bytes() -> int:
    return int(getattr(settings, "SUGGESTIONS_MAX_BODY_BYTES", 256 * 1024))


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > max_body_bytes()
    except ValueError:
        return True


def _current_values(pole) -> dict:
    return {
        "summary": pole.summary,
        "description": pole.description,
        "website": pole.website,
        "pole_email": pole.email,
        "pole_phone": pole.phone,
        "status": pole.get_status_display(),
    }


def _handle(request, *, form_class, kind, context, pole=None):
    form_kwargs = {"pole": pole} if pole is not None else {}
    context["retention_months"] = round(services.retention_days() / 30.4)
    status = 200
    if request.method == "POST":
        if _too_large(request):
            # Refused before the body is read.
            form = form_class(**form_kwargs)
            context["refusal"] = _(
                "What you sent is too long. Shorten the texts and send it again."
            )
            return render(request, FORM_TEMPLATE, {**context, "form": form}, status=413)
        form = form_class(request.POST, **form_kwargs)
        if ratelimit.address_over_limit(request):
            context["refusal"] = _(
                "Too many suggestions were sent from your connection in the last hour. "
                "Please try again later."
            )
            status = 429
        elif form.is_valid():
            email = form.cleaned_data["contributor_email"]
            if ratelimit.email_over_limit(email):
                context["refusal"] = _(
                    "Too many suggestions were sent with this e-mail address in the last "
                    "hour. Please try again later."
                )
                status = 429
            else:
                location = getattr(form, "resolved_location", None)
                suggestion = services.submit_suggestion(
                    kind=kind,
                    pole=pole,
                    proposed=form.proposed(),
                    location=location,
                    location_text=form.cleaned_data.get("location", ""),
                    comment=form.cleaned_data.get("comment", ""),
                    source=form.cleaned_data["source"],
                    contributor_email=email,
                    language=get_language() or "",
                )
                follow_url = request.build_absolute_uri(suggestion.get_follow_url())
                notifications.send_acknowledgement(suggestion, follow_url=follow_url)
                notifications.notify_editors(
                    suggestion,
                    moderation_url=request.build_absolute_uri(
                        reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])
                    ),
                )
                return HttpResponseRedirect(f"{suggestion.get_follow_url()}?envoyee=1")
    else:
        form = form_class(**form_kwargs)
    response = render(request, FORM_TEMPLATE, {**context, "form": form}, status=status)
    if status == 429:
        response["Retry-After"] = str(ratelimit.WINDOW_SECONDS)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def correction(request, slug):
    pole = get_object_or_404(Pole.objects.published().select_related("seat_commune"), slug=slug)
    context = {"pole": pole, "kind": Suggestion.Kind.CORRECTION, "current": _current_values(pole)}
    return _handle(
        request,
        form_class=CorrectionForm,
        kind=Suggestion.Kind.CORRECTION,
        context=context,
        pole=pole,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_pole(request):
    context = {"kind": Suggestion.Kind.NEW_POLE, "current": {}}
    return _handle(request, form_class=NewPoleForm, kind=Suggestion.Kind.NEW_POLE, context=context)


@never_cache
@require_GET
def follow(request, token):
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("pole", "created_pole"), token=token
    )
    response = render(
        request,
        "suggestions/follow.html",
        {
            "suggestion": suggestion,
            "just_sent": request.GET.get("envoyee") == "1",
            "applied": [
                str(label)
                for unit, label in UNIT_LABELS.items()
                if unit in (suggestion.applied_fields or [])
            ],
        },
    )
    # The address is the key to this page: keep it out of search engines and of the
    # Referer header sent to the sites it links to.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
