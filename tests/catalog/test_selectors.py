import pytest
from django.http import Http404

from catalog import selectors
from catalog.models import ModelService
from tests.factories import ModelServiceFactory, ModelVersionFactory


@pytest.fixture
def portfolio(personas):
    a = ModelServiceFactory(
        name="churn-predictor",
        owner_team=personas.team,
        lifecycle_status="production",
        risk_tier="minimal",
        tags=["marketing", "retention"],
    )
    b = ModelServiceFactory(
        name="cv-screening",
        owner_team=personas.other_team,
        purpose="Ranks job applicants",
        risk_tier="high",
    )
    c = ModelServiceFactory(
        name="demand-forecast", owner_team=personas.other_team, lifecycle_status="retired"
    )
    for v in ("1", "2", "10"):
        ModelVersionFactory(model_service=a, version=v, version_number=int(v))
    return a, b, c


def names(qs):
    return [m.name for m in qs]


@pytest.mark.django_db
def test_list_annotates_version_count_and_latest_by_number(personas, portfolio):
    first = selectors.model_service_list(user=personas.compliance).get(name="churn-predictor")
    assert first.version_count == 3
    assert first.latest_version == "10"  # numeric, not lexical, order


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"search": "applicants"}, ["cv-screening"]),
        ({"search": "CHURN"}, ["churn-predictor"]),
        ({"search": "retention"}, ["churn-predictor"]),  # a tag
        ({"search": "credit risk"}, ["churn-predictor"]),  # the owning team's name
        ({"team": "fraud"}, ["cv-screening", "demand-forecast"]),
        ({"lifecycle": "retired"}, ["demand-forecast"]),
        ({"risk_tier": "high"}, ["cv-screening"]),
        ({"team": "fraud", "risk_tier": "high"}, ["cv-screening"]),
        ({"sort": "-name"}, ["demand-forecast", "cv-screening", "churn-predictor"]),
    ],
)
def test_list_filters_and_sorts(personas, portfolio, filters, expected):
    got = selectors.model_service_list(
        user=personas.compliance, filters=selectors.CatalogFilters(**filters)
    )
    assert names(got) == expected


@pytest.mark.django_db
def test_team_filter_accepts_id(personas, portfolio):
    got = selectors.model_service_list(
        user=personas.compliance, filters=selectors.CatalogFilters(team=str(personas.team.pk))
    )
    assert names(got) == ["churn-predictor"]


@pytest.mark.django_db
def test_anonymous_and_inactive_users_see_nothing(personas, portfolio):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.model_service_list(user=AnonymousUser()).exists()
    personas.compliance.is_active = False
    assert not selectors.model_service_list(user=personas.compliance).exists()


@pytest.mark.django_db
def test_get_unknown_or_malformed_id_is_404(personas):
    with pytest.raises(Http404):
        selectors.model_service_get(user=personas.compliance, model_id="not-a-uuid")
    with pytest.raises(Http404):
        selectors.model_service_get(
            user=personas.compliance, model_id="00000000-0000-0000-0000-000000000000"
        )


@pytest.mark.django_db
def test_can_edit_matrix(personas, owned_model):
    allowed = {
        name
        for name in (
            "owner",
            "teammate",
            "outsider",
            "reviewer",
            "compliance",
            "auditor",
            "viewer",
            "admin",
            "ci_bot",
        )
        if selectors.model_service_can_edit(getattr(personas, name), owned_model)
    }
    assert allowed == {"owner", "teammate", "admin"}


@pytest.mark.django_db
def test_model_without_team_is_editable_by_admins_only(personas):
    orphan = ModelServiceFactory(owner_team=None)
    assert selectors.model_service_can_edit(personas.admin, orphan)
    assert not selectors.model_service_can_edit(personas.owner, orphan)
    assert ModelService.objects.filter(pk=orphan.pk).exists()


@pytest.mark.django_db
def test_visibility_by_cached_permission_id_covers_team_shares_and_pools(personas, portfolio):
    """The visibility subquery filters the grant tables by the permission's id, found once per
    process: the owning team, a user share, a group share and the reviewer pool still see
    exactly their entries, and the SQL joins neither auth_permission nor auth_group."""
    from django.contrib.auth.models import Group

    from catalog import access
    from catalog.services import model_service_share

    churn, screening, forecast = portfolio
    stakeholders = Group.objects.create(name="stakeholders")
    personas.viewer.groups.add(stakeholders)
    model_service_share(actor=personas.admin, model_service=screening, user=personas.outsider)
    model_service_share(actor=personas.admin, model_service=forecast, group=stakeholders)
    personas.other_team.reviewers.add(personas.other_reviewer)
    expected = {
        personas.owner: {"churn-predictor"},
        personas.other_owner: {"cv-screening", "demand-forecast"},
        personas.outsider: {"cv-screening"},
        personas.viewer: {"demand-forecast"},
        personas.reviewer: {"churn-predictor"},
        personas.other_reviewer: {"cv-screening", "demand-forecast"},
    }
    for user, visible in expected.items():
        assert set(names(selectors.model_service_visible(user=user))) == visible, user
        for model in portfolio:
            assert access.model_service_can_view(user, model) == (model.name in visible)
    sql = str(selectors.model_service_visible(user=personas.owner).query)
    assert "auth_permission" not in sql and "auth_group" not in sql
    assert access.VIEW_PERMISSION in access._PERMISSION_IDS  # looked up once, then cached


@pytest.mark.django_db
def test_the_permission_id_cache_is_forgotten_after_a_migration():
    """A flush or re-migration (tests) writes new permission rows: the ids are looked up again."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from catalog import access

    catalog = apps.get_app_config("catalog")
    access._PERMISSION_IDS["view_modelservice"] = -1
    post_migrate.send(
        sender=catalog, app_config=catalog, verbosity=0, interactive=False, using="default"
    )
    assert access._PERMISSION_IDS == {}
    assert access.permission_id("view_modelservice") > 0
