"""Factories for test data. fixtures/ is for demo data a user loads; tests build their own."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from projects.models import (
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)
from responsibility.models import Membership, Person, Unit, ViceMayor, home_jurisdiction


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        # Names are unique within a jurisdiction (issue 17).
        django_get_or_create = ["name", "jurisdiction"]

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.BUREAU
    jurisdiction = factory.LazyFunction(home_jurisdiction)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"责任人{n}")
    title = "局长"
    unit = factory.SubFactory(UnitFactory)


class ViceMayorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ViceMayor
        django_get_or_create = ["name", "jurisdiction"]

    name = factory.Sequence(lambda n: f"副市长{n}")
    portfolio = "工业、质量"
    jurisdiction = factory.LazyFunction(home_jurisdiction)


class PlanYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanYear
        django_get_or_create = ["year", "jurisdiction"]

    year = 2010
    jurisdiction = factory.LazyFunction(home_jurisdiction)
    doc_number = "诸政发〔2010〕12号"
    title = "2010年质量兴市项目化推进工作责任制"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    plan = factory.SubFactory(PlanYearFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"项目{n}")
    mayor = factory.SubFactory(ViceMayorFactory)


class ProjectUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectUnit

    project = factory.SubFactory(ProjectFactory)
    unit = factory.SubFactory(UnitFactory)
    is_lead = True


class SubItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubItem

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"小项{n}")
    unit = factory.SubFactory(UnitFactory)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    subitem = None
    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"节点{n}")
    due_date = dt.date(2010, 6, 30)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    measure = "个"
    target = 10


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(username: str, role: str, unit: Unit | None = None, **extra):
    """A user in one role group, attached to ``unit`` when given."""
    user = UserFactory(username=username, **extra)
    # get_or_create: transactional tests (browser, backup) flush the groups that the
    # responsibility migration made.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if unit is not None:
        Membership.objects.update_or_create(user=user, defaults={"unit": unit})
    return get_user_model().objects.get(pk=user.pk)


def make_report(milestone: Milestone, author, **fields) -> ProgressReport:
    defaults = {"status": Milestone.Status.IN_PROGRESS, "percent": 50, "narrative": "推进中"}
    defaults.update(fields)
    return ProgressReport.objects.create(milestone=milestone, author=author, **defaults)


def ladder():
    """The 督办 ladder (催办 → 督办 → 通报), made again when a flush removed it."""
    from projects.services.supervision import supervision_ladder_ensure

    return supervision_ladder_ensure()
