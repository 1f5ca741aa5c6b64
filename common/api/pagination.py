from rest_framework.pagination import PageNumberPagination

from common import input_guard


class StrictPageSize:
    """``?page_size=`` as documented: a whole number from 1 to ``max_page_size``, else a 400
    naming it (DRF silently falls back to the default for ``null`` or ``²`` and clamps 10,000
    to the maximum, so the schema's ``integer`` was not what the API did)."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        size = input_guard.query_int(
            request.query_params, self.page_size_query_param, minimum=1, maximum=self.max_page_size
        )
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class StandardPagination(StrictPageSize, PageNumberPagination):
    """``?page=N&page_size=M`` (at most 200 per page; a page past the end is a 404).

    ``page`` is a whole number from 1, else a 400 naming it (DRF read ``?page=`` as page 1 and
    also took the undocumented ``?page=last``)."""

    max_page_size = 200
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        number = input_guard.query_int(request.query_params, self.page_query_param, minimum=1)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
        return parameters
