"""Spreadsheet import and export on the admins of poles, structures and cooperators.

The admins themselves belong to `editors` (scope, locking, history). This app sits above
it and re-registers those three models with the same admin plus the import/export
mixin, so that `editors` needs nothing from the spreadsheet code.
"""

from django.contrib import admin

from editors.admin.members import CooperatorAdmin
from editors.admin.poles import PoleAdmin, StructureAdmin
from members.models import Cooperator
from poles.models import Pole, Structure

from .cooperators import CooperatorResource
from .imports import DirectoryImportExportMixin
from .resources import PoleResource, StructureResource


class PoleSpreadsheetAdmin(DirectoryImportExportMixin, PoleAdmin):
    resource_classes = [PoleResource]


class StructureSpreadsheetAdmin(DirectoryImportExportMixin, StructureAdmin):
    resource_classes = [StructureResource]


class CooperatorSpreadsheetAdmin(DirectoryImportExportMixin, CooperatorAdmin):
    resource_classes = [CooperatorResource]


for model, model_admin in (
    (Pole, PoleSpreadsheetAdmin),
    (Structure, StructureSpreadsheetAdmin),
    (Cooperator, CooperatorSpreadsheetAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
