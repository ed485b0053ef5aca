"""The admin where staff edit the directory, each within their scope.

Every ModelAdmin of the domain apps (territories, poles, members) lives here rather than
in those apps: each one mixes in this app's scope, locking and history, and the domain
apps must not import the app that edits them (see docs/architecture.md). Importing the
package registers them all; `spreadsheets.admin` then adds import and export to the
pole, structure and cooperator admins.
"""

from . import members, poles, profiles, territories, tokens  # noqa: F401  (registers the admins)
