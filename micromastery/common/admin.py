"""The admin: tenancy (each organization sees and edits only its own rows) and the site."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext

from micromastery.common.models import MAX_ROW_ID


def _organization_field(model: type[models.Model]) -> str | None:
    for field in model._meta.get_fields():
        if field.name == "organization" and field.is_relation and field.many_to_one:
            return field.name
    return None


def _is_malformed_filter_value(value: str) -> bool:
    """A NUL character (PostgreSQL refuses it in a query) or a whole number beyond any row
    id (SQLite cannot bind it) fails the query instead of matching nothing."""
    if "\x00" in value:
        return True
    digits = value.removeprefix("-")
    whole_number = digits.isascii() and digits.isdigit()
    return whole_number and (len(digits) > len(str(MAX_ROW_ID)) or int(digits) > MAX_ROW_ID)


def scope_to_organization(
    queryset: models.QuerySet[Any], request: HttpRequest
) -> models.QuerySet[Any]:
    """Limit a related model's choices to the viewer's organization (superusers see all)."""
    user: Any = request.user
    if user.is_superuser:
        return queryset
    model = queryset.model
    if model._meta.label == "accounts.Organization":
        return queryset.filter(pk=user.organization_id)
    if _organization_field(model):
        return queryset.filter(organization_id=user.organization_id)
    return queryset


class OrganizationScopedAdmin(admin.ModelAdmin[Any]):
    """A ModelAdmin whose rows belong to one organization and whose users hold a role.

    ``organization_lookup`` is the path from the model to its organization's id;
    ``roles`` are the user flags that open it (a superuser always may). Another
    organization's row is a 404, never a redirect that would confirm it exists.
    """

    organization_lookup = "organization"
    roles: tuple[str, ...] = ()
    # The rows the viewer may see, from accounts.policies (a staticmethod), when the
    # model has a policy of its own beyond "rows of the viewer's organization".
    visible_to: Any = None

    def has_role(self, request: HttpRequest) -> bool:
        user: Any = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return bool(user.is_superuser or any(getattr(user, role, False) for role in self.roles))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_role(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_role(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if any(
            _is_malformed_filter_value(value)
            for name, values in request.GET.lists()
            if name != SEARCH_VAR  # searched as text: any digits are fine
            for value in values
        ):
            # What Django does with filters it cannot apply: the list without them, flagged.
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        user: Any = request.user
        # Without the role the answer is a 403 (the permission checks), not a 404.
        if self.visible_to is not None and self.has_role(request):
            return queryset & self.visible_to(user)
        if user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.organization_lookup}_id": user.organization_id}
            if self.organization_lookup != "pk"
            else {"pk": user.organization_id}
        )

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("No such record in your organization."))
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field: Any = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_to_organization(field.queryset, request)
            user: Any = request.user
            if db_field.name == "organization" and not user.is_superuser:
                # Shown for orientation, fixed to the author's own organization: the form
                # still validates uniqueness within the organization.
                field.initial = user.organization_id
                field.disabled = True
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field: Any = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_to_organization(field.queryset, request)
        return field


class OrganizationScopedInlineMixin:
    """For inlines of an ``OrganizationScopedAdmin``: open to the same roles, with the
    choices of their foreign keys and many-to-many fields limited to the viewer's
    organization (inlines do not inherit either from their parent admin)."""

    roles: tuple[str, ...] = ()

    def has_role(self, request: HttpRequest) -> bool:
        user: Any = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return bool(user.is_superuser or any(getattr(user, role, False) for role in self.roles))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_role(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field: Any = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_to_organization(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field: Any = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_to_organization(field.queryset, request)
        return field


class ForwardRelationAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete endpoint, for a model's own foreign keys and many-to-many
    fields only.

    Django accepts any field with a remote side, so a reverse relation
    (``?app_label=accounts&model_name=user&field_name=teams``) gets through its checks
    and then fails with an AttributeError: reverse relations have no choices to limit.
    No autocomplete widget sits on a reverse relation, so it is refused like a field
    that does not exist. A search term with a NUL character, which PostgreSQL refuses in a
    query, is a 400 (the changelist's search box refuses it the same way).
    """

    def process_request(self, request: HttpRequest) -> Any:
        # (django-stubs do not declare process_request yet)
        checked = super().process_request(request)  # type: ignore[misc]
        term, model_admin, source_field, to_field_name = checked
        if not source_field.concrete:
            raise PermissionDenied
        if "\x00" in term:
            raise BadRequest(gettext("The search term contains a NUL character."))
        return term, model_admin, source_field, to_field_name


class PlatformAdminSite(admin.AdminSite):
    """The admin site (``admin.site``), with the autocomplete endpoint above."""

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        view: Any = ForwardRelationAutocompleteJsonView.as_view(admin_site=self)
        return view(request)
