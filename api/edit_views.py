"""Staff writes through the API (`/api/v1/edit/…`, docs/api.md#writes).

Each endpoint needs a personal API token (`Authorization: Bearer ptce_…`, created in
the admin) and acts with its owner's editing scope: a record outside it is a 404, as in
the admin. A GET answers the record's editable fields and its version (in the body and
in `ETag`); a change sends that version in `If-Match` (`412` if the record changed
since, `428` without it). The saving itself is api.writes: the admin's forms, history
and derived-data batch.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from editors.api_authentication import APITokenAuthentication
from poles.models import KeyFigure, Membership, Pole, Structure

from . import writes
from .serializers.write import KeyFigureEdit, MembershipEdit, PoleEdit, StructureEdit
from .views import ApiView

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The record's version, as its GET returned it in ETag (quoted).",
)
PROBLEMS = {
    code: OpenApiResponse(description=description)
    for code, description in {
        400: "Invalid fields (problem details, `errors` per field).",
        401: "No token, or an unknown, expired or revoked one.",
        403: "The token's user may not do this.",
        404: "No such record in the token's editing scope.",
        412: "The record changed since its version was read.",
        409: "Another write saved a conflicting record at the same moment.",
        428: "If-Match (or, to create a year's figures, If-None-Match: *) is missing.",
    }.items()
}


class APITokenScheme(OpenApiAuthenticationExtension):
    """The personal token in the OpenAPI document (registered by being defined)."""

    target_class = APITokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token created in the admin (docs/api.md#writes).",
        }


class IsStaffToken(BasePermission):
    """A request authenticated by a live API token of active staff."""

    def has_permission(self, request, view):
        return bool(request.auth is not None and request.user and request.user.is_staff)


class EditView(ApiView):
    """Common behaviour of the edit endpoints: token authentication, no CORS writes
    (settings.CORS_ALLOW_METHODS), never cached, no conditional GET from the read
    side's remembered tags (the version is the tag)."""

    authentication_classes = [APITokenAuthentication]
    permission_classes = [IsStaffToken]
    pagination_class = None
    serializer_class = PoleEdit
    model = Pole

    def initial(self, request, *args, **kwargs):
        self.activate_language(request)
        GenericAPIView.initial(self, request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = GenericAPIView.finalize_response(self, request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    def answer(self, record, status_code=status.HTTP_200_OK):
        data = self.serializer_class(record).data
        return Response(data, status=status_code, headers={"ETag": writes.quoted(data["version"])})

    def changes(self, partial=True) -> dict:
        serializer = self.serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        writable = {name for name, field in serializer.fields.items() if not field.read_only}
        unknown = set(self.request.data) - writable
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("This field cannot be written.")] for name in sorted(unknown)}
            )
        return dict(serializer.validated_data)

    def save(self, instance, changes):
        return writes.save(
            request=self.request,
            model=self.model,
            instance=instance,
            changes=changes,
            fields=self.serializer_class.editable(),
        )

    def in_scope(self, queryset_filter):
        record = writes.editable(self.request, self.model).filter(**queryset_filter).first()
        if record is None:
            raise exceptions.NotFound(_("No such record in your editing scope."))
        return record

    def editable_pole(self, slug):
        pole = writes.editable(self.request, Pole).filter(slug=slug).first()
        if pole is None:
            raise exceptions.NotFound(_("No pole with this slug in your editing scope."))
        return pole


@extend_schema(tags=["edit"], request=PoleEdit, responses={201: PoleEdit, **PROBLEMS})
class PoleCreate(EditView):
    """Create a pole (unpublished unless `is_published` is sent). Without a `slug`,
    one is made from the name."""

    def post(self, request):
        changes = self.changes(partial=False)
        if not changes.get("slug") and changes.get("name"):
            changes["slug"] = writes.unique_slug(Pole, changes["name"])
        return self.answer(self.save(None, changes), status.HTTP_201_CREATED)


@extend_schema(tags=["edit"], responses={200: PoleEdit, **PROBLEMS})
class PoleEditDetail(EditView):
    """A pole's editable fields and version; PATCH changes the fields sent."""

    def get(self, request, slug):
        return self.answer(self.editable_pole(slug))

    @extend_schema(request=PoleEdit, parameters=[IF_MATCH])
    def patch(self, request, slug):
        return self.answer(self.save(self.editable_pole(slug), self.changes()))


@extend_schema(tags=["edit"], request=StructureEdit, responses={201: StructureEdit, **PROBLEMS})
class StructureCreate(EditView):
    """Create a member structure; attach it to a pole with a membership."""

    serializer_class = StructureEdit
    model = Structure

    def post(self, request):
        return self.answer(self.save(None, self.changes(partial=False)), status.HTTP_201_CREATED)


@extend_schema(tags=["edit"], responses={200: StructureEdit, **PROBLEMS})
class StructureEditDetail(EditView):
    """A member structure's editable fields and version; PATCH changes the fields sent."""

    serializer_class = StructureEdit
    model = Structure

    def get(self, request, pk):
        return self.answer(self.in_scope({"pk": pk}))

    @extend_schema(request=StructureEdit, parameters=[IF_MATCH])
    def patch(self, request, pk):
        return self.answer(self.save(self.in_scope({"pk": pk}), self.changes()))


@extend_schema(tags=["edit"], responses={200: KeyFigureEdit, **PROBLEMS})
class KeyFigureEditDetail(EditView):
    """A pole's key figures of one year. GET reads them; PUT creates the year (send
    `If-None-Match: *`) or replaces the fields sent (send `If-Match`)."""

    serializer_class = KeyFigureEdit
    model = KeyFigure

    def get(self, request, slug, year):
        pole = self.editable_pole(slug)
        return self.answer(self.in_scope({"pole": pole, "year": year}))

    @extend_schema(
        request=KeyFigureEdit,
        parameters=[
            OpenApiParameter(
                "If-Match",
                location=OpenApiParameter.HEADER,
                description="The year's version, to change existing figures.",
            ),
            OpenApiParameter(
                "If-None-Match",
                location=OpenApiParameter.HEADER,
                description="`*` to create the year's figures (refused if they exist).",
            ),
        ],
        responses={200: KeyFigureEdit, 201: KeyFigureEdit, **PROBLEMS},
    )
    def put(self, request, slug, year):
        pole = self.editable_pole(slug)
        existing = KeyFigure.objects.filter(pole=pole, year=year).first()
        changes = {**self.changes(), "pole": pole, "year": year}
        if existing is None:
            if request.headers.get("If-None-Match", "").strip() != "*":
                raise writes.PreconditionRequired(
                    _(
                        "No figures for this year yet: send If-None-Match: * to create them "
                        "(or read them again if you expected them to exist)."
                    )
                )
            return self.answer(self.save(None, changes), status.HTTP_201_CREATED)
        if request.headers.get("If-None-Match", "").strip() == "*":
            raise writes.PreconditionFailed(_("These figures exist: send If-Match to change them."))
        return self.answer(self.save(existing, changes))


@extend_schema(tags=["edit"], request=MembershipEdit, responses={201: MembershipEdit, **PROBLEMS})
class MembershipCreate(EditView):
    """Attach a member structure to a pole."""

    serializer_class = MembershipEdit
    model = Membership

    def post(self, request, slug):
        pole = self.editable_pole(slug)
        changes = {**self.changes(partial=False), "pole": pole}
        return self.answer(self.save(None, changes), status.HTTP_201_CREATED)


@extend_schema(tags=["edit"], responses={200: MembershipEdit, **PROBLEMS})
class MembershipEditDetail(EditView):
    """A membership's fields and version; PATCH changes the fields sent."""

    serializer_class = MembershipEdit
    model = Membership

    def get(self, request, pk):
        return self.answer(self.in_scope({"pk": pk}))

    @extend_schema(request=MembershipEdit, parameters=[IF_MATCH])
    def patch(self, request, pk):
        membership = self.in_scope({"pk": pk})
        return self.answer(self.save(membership, {**self.changes(), "pole": membership.pole}))
