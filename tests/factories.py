"""factory_boy factories for test set-up (state changes under test go through services)."""

import factory
from django.contrib.auth.models import Group

from accounts.models import Team, User
from catalog.models import ModelService, ModelServiceGroupPermission, ModelVersion
from catalog.services import TEAM_PERMISSIONS, _permissions

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    group = factory.LazyAttribute(
        lambda t: Group.objects.get_or_create(name=f"{Team.GROUP_PREFIX}{t.slug}")[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or []:
            self.groups.add(team.group)


class ModelServiceFactory(factory.django.DjangoModelFactory):
    """A catalog entry whose owning team's group holds view + change, as the service grants."""

    class Meta:
        model = ModelService
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"model-{n:04d}")
    description = factory.LazyAttribute(lambda m: f"Description of {m.name}")
    purpose = "Decides nothing on its own."
    owner_team = factory.SubFactory(TeamFactory)

    @factory.post_generation
    def team_access(self, create, extracted, **kwargs):
        if self.owner_team_id:
            for permission in _permissions(TEAM_PERMISSIONS):
                ModelServiceGroupPermission.objects.get_or_create(
                    group=self.owner_team.group, permission=permission, content_object=self
                )


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    model_service = factory.SubFactory(ModelServiceFactory)
    version = factory.Sequence(lambda n: str(n + 1))
    version_number = factory.LazyAttribute(lambda v: int(v.version))
    source_uri = factory.LazyAttribute(lambda v: f"models:/{v.model_service.name}/{v.version}")
    run_id = factory.Sequence(lambda n: f"{n:032x}")
    metrics = factory.LazyFunction(lambda: {"auc": 0.8})
