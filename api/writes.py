"""The API's writes, made through the admin's own forms.

A write by API token must be exactly as safe as the same edit in the admin: the same
validation (field validators, the model's `clean()`, uniqueness), the same editing scope
(the admin's querysets and its scope-limited choices: a coordinator's token cannot
attach another pole's structure nor move a seat out of their territory), the same
history (a django-reversion revision with the token's user, commented "API, token …",
and an admin log entry), and the same derived-data batch (poles/derived.py). So this
module does not re-implement any of them: it builds the registered ModelAdmin's form
for the request's user, fills it with the stored values overlaid with the client's, and
saves it as the admin's change view would.

Lost updates: each record has a `version` (editors.locking.record_version, a digest of
its editable values). A change must send it in `If-Match`; a different current version
is a `412 Precondition Failed`, checked with the row locked, so two concurrent writes
are checked one after the other.
"""

import reversion
from django.contrib import admin
from django.db import IntegrityError, models, router, transaction
from django.forms.models import model_to_dict
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework import exceptions

from editors import tokens
from editors.locking import lock_rows, record_version
from poles import derived


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "precondition failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "precondition required"


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "conflict"


def quoted(version: str) -> str:
    return f'"{version}"'


def matches(if_match: str | None, version: str) -> bool:
    """Strong comparison of `If-Match` with a record's version (RFC 9110 §13.1.1)."""
    if if_match is None:
        return False
    if if_match.strip() == "*":
        return True
    tags = {tag.strip() for tag in if_match.split(",")}
    return quoted(version) in tags


def model_admin(model):
    return admin.site.get_model_admin(model)


def editable(request, model) -> models.QuerySet:
    """The records of `model` the request's user may edit: the admin's scoped list."""
    return model_admin(model).get_queryset(request)


def _form_class(request, model, instance, fields):
    return model_admin(model).get_form(
        request, instance, change=instance is not None, fields=fields
    )


def _stored_values(instance, form_class) -> dict:
    """The stored values of the form's fields, as form data."""
    values = model_to_dict(instance, fields=list(form_class.base_fields))
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = [item.pk if isinstance(item, models.Model) else item for item in value]
        elif isinstance(value, models.Model):
            values[name] = value.pk
    return values


def _as_form_value(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_as_form_value(item) for item in value]
    return value


def check_version(request, instance, fields) -> None:
    version = record_version(instance, fields)
    if_match = request.headers.get("If-Match")
    if if_match is None:
        raise PreconditionRequired(
            _(
                "Send the record's version in If-Match (the ETag of its GET), so that "
                "your change cannot overwrite one made since you read it."
            )
        )
    if not matches(if_match, version):
        raise PreconditionFailed(
            _(
                "The record changed since you read it (its version is now %(version)s): "
                "read it again, then send your change with the new version."
            )
            % {"version": quoted(version)}
        )


def save(*, request, model, instance, changes: dict, fields: list[str]):
    """Create (`instance` None) or change a record through its admin form.

    `changes` are the client's validated values (model instances for relations);
    `fields` the record's editable fields through the API. Returns the saved record.
    Raises 404 out of scope, 403 without the permission, 412/428 on the version, 400
    with the form's errors.
    """
    try:
        return _save(
            request=request, model=model, instance=instance, changes=changes, fields=fields
        )
    except IntegrityError as error:
        # Two writes that passed the form's checks at the same moment (the same year's
        # figures, the same SIRET, the same new slug): the database's constraint keeps
        # one; the other is told to read again, nothing of it stored.
        raise Conflict(
            _(
                "Another change was saved at the same moment and conflicts with this one "
                "(a record with the same year, SIRET or slug): read the record again."
            )
        ) from error


def _save(*, request, model, instance, changes: dict, fields: list[str]):
    admin_ = model_admin(model)
    token = request.auth
    using = router.db_for_write(model)
    with transaction.atomic(using=using), derived.batch(), reversion.create_revision():
        if instance is not None:
            lock_rows(model._default_manager.filter(pk=instance.pk))
            instance = editable(request, model).filter(pk=instance.pk).first()
            if instance is None:
                raise exceptions.NotFound()
            if not admin_.has_change_permission(request, instance):
                raise exceptions.PermissionDenied()
            check_version(request, instance, fields)
        elif not admin_.has_add_permission(request):
            raise exceptions.PermissionDenied()

        form_class = _form_class(request, model, instance, fields)
        data = _stored_values(instance, form_class) if instance is not None else {}
        data.update({name: _as_form_value(value) for name, value in changes.items()})
        form = form_class(data=data, instance=instance)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        record = form.save(commit=False)
        admin_.save_model(request, record, form, change=instance is not None)
        form.save_m2m()
        message = admin_.construct_change_message(request, form, [], add=instance is None)
        if instance is None:
            admin_.log_addition(request, record, message)
        else:
            admin_.log_change(request, record, message)
        reversion.set_user(request.user)
        reversion.set_comment(tokens.revision_comment(token))
    return record


def _form_errors(form) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def unique_slug(model, name: str) -> str:
    """A free slug for a new record named `name` (the admin prepopulates it the same way)."""
    base = slugify(name)[:190] or "pole"
    slug, number = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug
