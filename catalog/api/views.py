"""Read API of the catalog. Permission-aware reads come from ``catalog.selectors``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from catalog import selectors
from catalog.api.pagination import CatalogPagination
from catalog.api.permissions import CanViewModelService
from catalog.api.serializers import (
    ModelServiceDetailOutput,
    ModelServiceListOutput,
    ModelVersionOutput,
)
from catalog.models import ModelService
from common.api.schema import ERROR_RESPONSES


def _choose(values) -> str:
    # The values are API codes and stay as they are; only the sentence is translated.
    return _("Choose one of %(values)s.") % {"values": values}


class _CatalogApi:
    permission_classes = [IsAuthenticated, TokenHasScope, CanViewModelService]
    required_scope = ApiToken.Scope.CATALOG_READ


_LIST_PARAMETERS = [
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description="Text in name, purpose, description, team name or tags.",
    ),
    OpenApiParameter("team", OpenApiTypes.STR, description="Owning team's slug or id."),
    OpenApiParameter("risk_tier", OpenApiTypes.STR, enum=ModelService.RiskTier.values),
    OpenApiParameter("lifecycle", OpenApiTypes.STR, enum=ModelService.Lifecycle.values),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(selectors.SORTS)),
]


@extend_schema(
    parameters=_LIST_PARAMETERS,
    responses={200: ModelServiceListOutput(many=True), **ERROR_RESPONSES},
)
class ModelServiceListApi(_CatalogApi, generics.ListAPIView):
    """Catalog entries the caller may see, filtered and paginated."""

    serializer_class = ModelServiceListOutput
    filter_backends: list = []
    pagination_class = CatalogPagination

    def get_queryset(self):
        params = self.request.query_params
        # Present means one of the values (an empty ?risk_tier= too is refused, not "any").
        risk_tier = params.get("risk_tier")
        if risk_tier is not None and risk_tier not in ModelService.RiskTier.values:
            raise ValidationError({"risk_tier": [_choose(ModelService.RiskTier.values)]})
        lifecycle = params.get("lifecycle")
        if lifecycle is not None and lifecycle not in ModelService.Lifecycle.values:
            raise ValidationError({"lifecycle": [_choose(ModelService.Lifecycle.values)]})
        ordering = params.get("ordering", "name")
        if ordering not in selectors.SORTS:
            raise ValidationError({"ordering": [_choose(list(selectors.SORTS))]})
        filters = selectors.CatalogFilters(
            search=params.get("search", "")[:200],
            team=params.get("team", "")[:100],
            risk_tier=risk_tier or "",
            lifecycle=lifecycle or "",
            sort=ordering,
        )
        return selectors.model_service_list(
            user=self.request.user, filters=filters, columns=selectors.LIST_COLUMNS
        )


@extend_schema(responses={200: ModelServiceDetailOutput, **ERROR_RESPONSES})
class ModelServiceDetailApi(_CatalogApi, generics.RetrieveAPIView):
    """One catalog entry with its business metadata (404 when missing or not visible)."""

    serializer_class = ModelServiceDetailOutput

    def get_object(self):
        model = selectors.model_service_get(
            user=self.request.user, model_id=self.kwargs["model_id"]
        )
        self.check_object_permissions(self.request, model)
        return model


@extend_schema(responses={200: ModelVersionOutput(many=True), **ERROR_RESPONSES})
class ModelVersionListApi(_CatalogApi, generics.ListAPIView):
    """Versions of one catalog entry, newest first."""

    serializer_class = ModelVersionOutput
    filter_backends: list = []

    def get_queryset(self):
        model = selectors.model_service_get(
            user=self.request.user, model_id=self.kwargs["model_id"]
        )
        self.check_object_permissions(self.request, model)
        return selectors.model_version_list(user=self.request.user, model_service=model)
