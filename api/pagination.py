"""Page-number pagination with a stable order.

Every paginated list is sorted on a unique key last (the id, or the INSEE code), so a
row never appears on two pages nor on none while the data stays the same. `page`
and `page_size` (1 to 100, default 20) are checked: a value that is not a positive
whole number is a 400 problem, a page after the last a 404.

Counting a long list (100,000 structures, 35,000 communes) costs more than reading a
page of it: the count of a query is cached under the data version (`versioned`,
keyed by the query's SQL and parameters), so that paging through a list counts it
once per version (the version the view read for its validators: one read per
request).
"""

from functools import partial

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from caching import digest, versioned
from poles.pagination import page_number

MAX_PAGE_SIZE = 100


class CountOncePaginator(Paginator):
    def __init__(self, *args, version=..., **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version  # `...`: read it (`versioned`)

    @cached_property
    def count(self):
        items = self.object_list
        if not isinstance(items, QuerySet):
            return len(items)
        try:
            sql, params = items.query.sql_with_params()
        except EmptyResultSet:
            return 0  # Django knows it is empty without asking (e.g. `none()`)
        return versioned(
            "api-count:" + digest(sql, repr(params)), items.count, version=self.version
        )


class PagePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = CountOncePaginator

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        size = page_number(value)
        if size is None or size > self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        value = request.query_params.get(self.page_query_param)
        if value is not None and page_number(value) is None:
            raise exceptions.ValidationError(
                {self.page_query_param: [_("Enter a page number: a whole number from 1.")]}
            )
        self.django_paginator_class = partial(
            CountOncePaginator, version=getattr(view, "data_version", ...)
        )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count"]["description"] = _("Number of items in every page.")
        return described
