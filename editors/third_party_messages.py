"""Interface strings of third-party apps that their own French catalogue lacks.

Listed here so that `makemessages` keeps their translations in this project's catalogue
(locale/), which Django reads before the apps' own. Never imported: gettext finds the
translation by the string itself.
"""

from django.utils.translation import gettext_noop

THIRD_PARTY_MESSAGES = [
    # django-axes: the action of the login attempts' changelist.
    gettext_noop("Clean up expired attempts"),
]
