"""Shared test setup: a fast hasher, and a small city of realistic people.

- ``alice``: clerk of 质监局; ``bob``: clerk of 商务局 (another bureau);
- ``helen``: head of 质监局;
- ``olivia``: the mayor's office reviewer;
- ``victor``: vice-mayor 王副市长, who supervises project 1 only;
- ``adam``: administrator.

``city`` holds the plan: project 1 (质监局 lead, 商务局 co-unit) with a sub-item of
each, and project 2 (商务局 only) supervised by another vice-mayor.
"""

import contextlib
import dataclasses
import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from projects.models import Milestone, PlanYear, Project, SubItem
from responsibility import roles
from responsibility.models import Unit, ViceMayor
from tests import factories


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_passwords(settings, _media_root):
    # Uploads and generated files (PDFs) go to this run's temporary directory.
    settings.MEDIA_ROOT = _media_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ZHUCHENG_TODAY = ""
    # django-axes refuses authenticate() without a request, which Client.login() makes;
    # the login-throttling tests (tests/security/) switch it back on.
    settings.AXES_ENABLED = False


@dataclasses.dataclass
class City:
    plan: PlanYear
    zhijian: Unit
    shangwu: Unit
    office: Unit
    mayor: ViceMayor
    other_mayor: ViceMayor
    project1: Project
    project2: Project
    sub_zhijian: SubItem
    sub_shangwu: SubItem
    ms_zhijian: Milestone
    ms_shangwu: Milestone
    ms_project2: Milestone
    alice: object
    bob: object
    helen: object
    olivia: object
    victor: object
    adam: object


@pytest.fixture
def city(db) -> City:
    return build_city()


def build_city() -> City:
    """The small city of the module docstring (for fixtures of other scopes)."""
    plan = factories.PlanYearFactory(year=2010)
    zhijian = factories.UnitFactory(name="质监局")
    shangwu = factories.UnitFactory(name="商务局")
    office = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    mayor = factories.ViceMayorFactory(name="王副市长")
    other_mayor = factories.ViceMayorFactory(name="李副市长")

    project1 = factories.ProjectFactory(plan=plan, number=1, name="提高产品质量", mayor=mayor)
    factories.ProjectUnitFactory(project=project1, unit=zhijian, is_lead=True)
    factories.ProjectUnitFactory(project=project1, unit=shangwu, is_lead=False, order=1)
    project2 = factories.ProjectFactory(plan=plan, number=2, name="提高服务质量", mayor=other_mayor)
    factories.ProjectUnitFactory(project=project2, unit=shangwu, is_lead=True)

    sub_zhijian = factories.SubItemFactory(
        project=project1, number=1, name="名牌培育", unit=zhijian
    )
    sub_shangwu = factories.SubItemFactory(
        project=project1, number=2, name="商贸流通", unit=shangwu
    )
    ms_zhijian = factories.MilestoneFactory(
        project=project1,
        subitem=sub_zhijian,
        unit=zhijian,
        name="申报名牌",
        due_date=dt.date(2010, 6, 30),
    )
    ms_shangwu = factories.MilestoneFactory(
        project=project1,
        subitem=sub_shangwu,
        unit=shangwu,
        name="超市评比",
        due_date=dt.date(2010, 9, 30),
    )
    ms_project2 = factories.MilestoneFactory(
        project=project2, unit=shangwu, name="服务承诺", due_date=dt.date(2010, 10, 31)
    )

    alice = factories.make_user("alice", roles.CLERK, zhijian)
    bob = factories.make_user("bob", roles.CLERK, shangwu)
    helen = factories.make_user("helen", roles.UNIT_HEAD, zhijian)
    olivia = factories.make_user("olivia", roles.REVIEWER, office)
    victor = factories.make_user("victor", roles.VICE_MAYOR, office)
    mayor.user = victor
    mayor.save()
    adam = factories.make_user("adam", roles.ADMIN, office, is_staff=True, is_superuser=True)
    return City(
        plan,
        zhijian,
        shangwu,
        office,
        mayor,
        other_mayor,
        project1,
        project2,
        sub_zhijian,
        sub_shangwu,
        ms_zhijian,
        ms_shangwu,
        ms_project2,
        alice,
        bob,
        helen,
        olivia,
        victor,
        adam,
    )


@contextlib.contextmanager
def committed_for_module(django_db_blocker):
    """Data made once for a whole test module: committed, so each test's own changes
    roll back to it (tests keep their ``django_db`` mark); flushed at the module's end
    (post_migrate then makes the role groups again). For expensive, read-mostly
    set-ups such as the demo year; not for modules with transactional tests."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


DEMO_DAY = "2010-09-30 10:00 +0800"


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker) -> str:
    """The 2010 demo (plan, users, assessment) loaded once for the module, as
    ``make run`` loads it: the clock pinned to 2010-09-30. Returns the command's output."""
    with committed_for_module(django_db_blocker):
        with time_machine.travel(DEMO_DAY, tick=False), override_settings(ZHUCHENG_TODAY=""):
            out = StringIO()
            call_command("load_demo", stdout=out)
        yield out.getvalue()
