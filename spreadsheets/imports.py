"""The admin side of spreadsheet import and export (django-import-export).

`DirectoryImportExportMixin` goes first in the bases of an admin class. On top of
import-export's views it adds: the editor passed to the resources (scope), a form that
refuses bad files before parsing them, a preview listing every row with its line number,
and the guarantee that a file with any error stores nothing.
"""

import io
import logging
import zipfile

import reversion
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm, ImportForm

from .formats import CheckedXLSX, SpreadsheetCSV, UnreadableFile, csv_reading

logger = logging.getLogger(__name__)


class ImportRolledBack(Exception):
    """Leaves the revision block without saving a revision for a rolled-back import."""

    def __init__(self, result):
        super().__init__()
        self.result = result


# What the import reads (the exports keep import-export's own CSV and XLSX writers).
IMPORT_FORMATS = [SpreadsheetCSV, CheckedXLSX]
EXTENSIONS = {SpreadsheetCSV: (".csv",), CheckedXLSX: (".xlsx",)}
# Session key: the temporary files this editor's import previews wrote, awaiting
# confirmation (the most recent few; an abandoned preview's file is forgotten).
PENDING_IMPORTS = "pending_import_files"
MAX_PENDING_IMPORTS = 5


class BoundedImportForm(ImportForm):
    """The upload step: a CSV (UTF-8 or Windows-1252, separated by commas or semicolons)
    or XLSX file within the size limits.

    The format is guessed from the file's extension when none is chosen (the admin's
    guessing script needs JavaScript). Every check runs on the raw bytes, before
    import-export parses anything, so a bad file costs nothing and explains itself.
    """

    def __init__(self, formats, resources, **kwargs):
        self.formats = list(formats)
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].required = False
        self.fields["import_file"].help_text = _(
            "A CSV file with a header row (UTF-8 or Windows-1252, separated by commas or "
            "semicolons, as Excel saves it) or an XLSX file, of at most %(size)s and "
            "%(rows)s rows."
        ) % {
            "size": filesizeformat(settings.IMPORT_MAX_FILE_SIZE),
            "rows": settings.IMPORT_MAX_ROWS,
        }

    def format_for(self, name: str):
        for index, file_format in enumerate(self.formats):
            if name.lower().endswith(EXTENSIONS.get(file_format, ())):
                return index
        return None

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("import_file")
        if upload is None:
            return cleaned_data
        if upload.size > settings.IMPORT_MAX_FILE_SIZE:
            self.add_error(
                "import_file",
                _("This file is %(size)s: import files of at most %(max)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.IMPORT_MAX_FILE_SIZE),
                },
            )
            return cleaned_data
        chosen = cleaned_data.get("format")
        index = int(chosen) if chosen not in (None, "") else self.format_for(upload.name)
        if index is None:
            self.add_error(
                "import_file",
                _("Only CSV and XLSX files can be imported: this file is neither."),
            )
            return cleaned_data
        cleaned_data["format"] = str(index)
        file_format = self.formats[index]
        upload.seek(0)
        content = upload.read()
        upload.seek(0)
        error = (
            self.xlsx_problem(content)
            if issubclass(file_format, CheckedXLSX)
            else self.csv_problem(content)
        )
        if error:
            self.add_error("import_file", error)
        return cleaned_data

    @staticmethod
    def xlsx_problem(content: bytes):
        if not zipfile.is_zipfile(io.BytesIO(content)):
            return _("This is not an XLSX file (an old .xls file must be saved as .xlsx first).")
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                unzipped = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return _("This XLSX file is damaged and cannot be read.")
        if unzipped > settings.IMPORT_MAX_UNZIPPED_SIZE:
            # A zip bomb, or a workbook far larger than any directory import.
            return _("This XLSX file is too large once opened: split it into smaller files.")
        return None

    @staticmethod
    def csv_problem(content: bytes):
        try:
            csv_reading(content)
        except UnreadableFile as error:
            return str(error)
        return None


class DirectoryImportExportMixin(ImportExportMixin):
    import_form_class = BoundedImportForm
    # A fixed set of columns: an export is always a file that can be imported back.
    export_form_class = ExportForm
    import_template_name = "admin/import_export/directory_import.html"
    # Messages only: a traceback tells an editor nothing and the server too much.
    import_error_display = ("message",)

    def get_import_formats(self):
        return [f for f in IMPORT_FORMATS if f().can_import()]

    def get_resource_kwargs(self, request, *args, **kwargs):
        # The resources apply the editor's scope to every row and every export.
        return {"user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Invalid rows roll the whole import back, not only errors (all or nothing).
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def import_url(self):
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_import", current_app=self.admin_site.name
        )

    def add_data_read_fail_error_to_form(self, form, e):
        logger.info("Unreadable import file: %r", e)
        if isinstance(e, UnreadableFile):
            message = str(e)
        else:
            message = _(
                "This file could not be read as the chosen format: check that it is a CSV "
                "file with a header row and the same number of cells on every line, or an "
                "XLSX workbook whose first sheet holds the table."
            )
        form.add_error("import_file", message)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        # import-export keeps the uploaded file for the confirmation step; when there is
        # none (the file has errors), nothing will ever read it again: remove it.
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form else None
        name = getattr(upload, "tmp_storage_name", None)
        if name and context.get("confirm_form"):
            # The confirmation step may read and remove this file, and only files this
            # editor's imports wrote (see process_import).
            pending = [*request.session.get(PENDING_IMPORTS, []), name]
            request.session[PENDING_IMPORTS] = pending[-MAX_PENDING_IMPORTS:]
        elif name:
            try:
                self.get_tmp_storage_class()(
                    name=name, **self.get_tmp_storage_class_kwargs()
                ).remove()
            except OSError:
                logger.warning("Could not remove the import file %s", name, exc_info=True)
        return response

    def process_dataset(self, dataset, form, request, **kwargs):
        """The confirmed import, recorded in the history like an admin edit: one revision
        for the file, by its editor. A rolled-back import leaves no revision."""
        try:
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(
                    _("Imported from the file “%(name)s”.")
                    % {"name": form.cleaned_data.get("original_file_name", "")}
                )
                result = super().process_dataset(dataset, form, request, **kwargs)
                if result.has_errors() or result.has_validation_errors():
                    raise ImportRolledBack(result)
        except ImportRolledBack as rolled_back:
            return rolled_back.result
        return result

    def process_import(self, request, **kwargs):
        # The file to import is named by the confirmation form, that is by the browser:
        # a forged name would make import-export read and then remove any file of the
        # temporary folder. Only the files this editor's previews wrote are accepted,
        # each once.
        if request.method != "POST" or not self.has_import_permission(request):
            return super().process_import(request, **kwargs)  # 405 or 403
        name = request.POST.get("import_file_name", "")
        pending = request.session.get(PENDING_IMPORTS, [])
        if name not in pending:
            messages.error(
                request,
                _("Nothing was imported: the file could not be read again. Upload it again."),
            )
            return HttpResponseRedirect(self.import_url())
        request.session[PENDING_IMPORTS] = [other for other in pending if other != name]
        try:
            return super().process_import(request, **kwargs)
        except PermissionDenied:
            raise
        except Exception:
            # The confirmed file is gone (confirmed twice, or a stale page) or was
            # tampered with. import_data() runs in one transaction: nothing is stored.
            logger.warning("Import confirmation failed", exc_info=True)
            messages.error(
                request,
                _("Nothing was imported: the file could not be read again. Upload it again."),
            )
            return HttpResponseRedirect(self.import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between the preview and the confirmation: the import was
            # rolled back as a whole.
            messages.error(
                request,
                _(
                    "Nothing was imported: the file no longer passes the checks (the "
                    "directory changed since the preview). Upload it again to see why."
                ),
            )
            return HttpResponseRedirect(self.import_url())
        return super().process_result(result, request)
