"""The admin where staff edit the directory, each within their scope.

Every ModelAdmin of the domain apps (territories, poles, members) lives here rather than
in those apps: each one mixes in this app's scope, locking and history, and the domain
apps must not import the app that edits them (see docs/architecture.md). Importing the
package registers them all; `spreadsheets.admin` then adds import and export to the
pole, structure and cooperator admins.
"""

from django.contrib import admin

from . import members, poles, profiles, territories, tokens  # noqa: F401  (registers the admins)

# The admin's home shows the staff dashboard above the list of models (an app above
# this one may extend the template: suggestions does).
admin.site.index_template = "editors/admin/index.html"
