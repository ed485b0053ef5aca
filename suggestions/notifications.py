"""E-mails about suggestions: the contributor's acknowledgement and decision, and the
editors' notice of a new suggestion in their scope.

A failure to send is logged, never raised: the suggestion is stored already, and
the contributor's page or the moderator's decision must not fail because the mail
server is down.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from . import selectors
from .models import Suggestion

logger = logging.getLogger(__name__)


def _send(subject_template: str, body_template: str, context: dict, recipients: list[str]):
    if not recipients:
        return 0
    subject = " ".join(render_to_string(subject_template, context).split())
    body = render_to_string(body_template, context)
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # any transport error: logged, the caller goes on
        logger.exception("Could not send the e-mail %r", subject)
        return 0


def _contributor_language(suggestion: Suggestion) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return suggestion.language if suggestion.language in codes else settings.LANGUAGE_CODE


def send_acknowledgement(suggestion: Suggestion, *, follow_url: str) -> int:
    if not suggestion.contributor_email:
        return 0
    with translation.override(_contributor_language(suggestion)):
        return _send(
            "suggestions/email/acknowledgement_subject.txt",
            "suggestions/email/acknowledgement.txt",
            {"suggestion": suggestion, "follow_url": follow_url},
            [suggestion.contributor_email],
        )


def send_decision(suggestion: Suggestion, *, follow_url: str) -> int:
    if not suggestion.contributor_email:
        return 0
    with translation.override(_contributor_language(suggestion)):
        return _send(
            "suggestions/email/decision_subject.txt",
            "suggestions/email/decision.txt",
            {"suggestion": suggestion, "follow_url": follow_url},
            [suggestion.contributor_email],
        )


def notify_editors(suggestion: Suggestion, *, moderation_url: str) -> int:
    recipients = [user.email for user in selectors.editors_to_notify(suggestion)]
    # Staff read the admin in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        sent = 0
        for recipient in recipients:  # one message each: no editor sees the others' addresses
            sent += _send(
                "suggestions/email/editors_subject.txt",
                "suggestions/email/editors.txt",
                {"suggestion": suggestion, "moderation_url": moderation_url},
                [recipient],
            )
        return sent
