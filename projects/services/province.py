"""A synthetic province for benchmarks and access tests (issue 17): one province,
16 cities and about 136 counties (8 or 9 a city), each city and county a
jurisdiction running its own year programme, as ``seed_scale --province`` builds.

Every city and county gets the same 20 bureaus (names are unique within a
jurisdiction only: every city has a 质监局), an office, vice-mayors, a
responsible person per bureau, and a plan filled by :func:`scale.plan_fill`
(about 33 projects a city, 15–30 a county). Four accounts per jurisdiction, with
predictable names (:func:`username`): the office reviewer ``…_ban``, the
质监局 clerk ``…_zhijian`` and head ``…_zhijian_head``, the first vice-mayor
``…_fushizhang``; the province office's reviewer is ``sheng_ban``.

Rows are written with batched ``bulk_create`` (no history rows: this is not real
work), a fixed number of statements per jurisdiction, so the time is linear in
the size. A run first deletes the previous synthetic province (found by its
name at the root); other jurisdictions, the demo's 诸城市 included, are left alone.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q, QuerySet

from common.bulk import BATCH, delete_with_history
from projects.models import PlanYear
from projects.services.scale import plan_fill, plans_delete
from responsibility import roles
from responsibility.jurisdictions import subtree_ids
from responsibility.models import Membership, Person, Unit, ViceMayor

PROVINCE_NAME = "S省"
USERNAME_PREFIX = "sheng_"
CITIES = 16
COUNTIES = (9, 8)  # counties of odd and even cities: 8 × 9 + 8 × 8 = 136
CITY_PROJECTS = 33
COUNTY_PROJECTS = (15, 30)
CITY_MAYORS = 5
COUNTY_MAYORS = 4

# The same bureaus in every city and county: (short name, full name after the place).
BUREAUS = [
    ("质监局", "质量技术监督局"),
    ("商务局", "商务局"),
    ("卫生局", "卫生局"),
    ("经信局", "经济和信息化局"),
    ("住建局", "住房和城乡建设局"),
    ("交通运输局", "交通运输局"),
    ("农业局", "农业局"),
    ("林业局", "林业局"),
    ("水利局", "水利局"),
    ("环保局", "环境保护局"),
    ("旅游局", "旅游局"),
    ("工商局", "工商行政管理局"),
    ("食药监局", "食品药品监督管理局"),
    ("安监局", "安全生产监督管理局"),
    ("教育局", "教育局"),
    ("科技局", "科学技术局"),
    ("财政局", "财政局"),
    ("人社局", "人力资源和社会保障局"),
    ("畜牧局", "畜牧兽医局"),
    ("统计局", "统计局"),
]
OFFICE = ("政府办公室", "人民政府办公室")
CLERK_BUREAU = "质监局"  # the bureau whose clerk and head get accounts


@dataclasses.dataclass
class ProvinceSummary:
    year: int
    cities: int
    counties: int
    plans: int
    projects: int
    subitems: int
    milestones: int
    reports: int
    units: int
    users: int


def city_code(city: int) -> str:
    return f"c{city:02d}"


def county_code(city: int, county: int) -> str:
    return f"c{city:02d}_k{county:02d}"


def username(code: str | None, role: str) -> str:
    """``sheng_c03_k02_zhijian``: the account ``role`` (ban, zhijian,
    zhijian_head, fushizhang) of county 2 of city 3; ``code`` None is the province."""
    return f"{USERNAME_PREFIX}{code}_{role}" if code else f"{USERNAME_PREFIX}{role}"


@transaction.atomic
def province_seed(
    *,
    year: int,
    cities: int = CITIES,
    counties: int | None = None,
    seed: int = 2010,
    password: str | None = None,
    before_units_deleted: Callable[[QuerySet[Unit]], None] | None = None,
) -> ProvinceSummary:
    """Create (or replace) the synthetic province with a ``year`` plan in each of
    its ``cities`` cities and their counties (``counties`` each, or 9 and 8 in
    turn). Accounts get ``password``, or an unusable one (as ``scale_seed``'s).

    ``before_units_deleted`` is called with the previous province's units before
    they are deleted (see ``scale.scale_seed``)."""
    if cities < 1 or (counties is not None and counties < 0):
        raise ValueError("cities must be at least 1 and counties at least 0")
    rng = random.Random(seed * 1000 + year)
    province_delete(before_units_deleted=before_units_deleted)
    # One hash for every account: hashing is the slow part, and this is test data.
    encoded = make_password(password) if password else None

    province = Unit.objects.create(
        name=PROVINCE_NAME,
        full_name=f"{PROVINCE_NAME}人民政府（合成测试数据）",
        kind=Unit.Kind.PROVINCE,
        jurisdiction=None,
        order=1000,
    )
    city_nodes = Unit.objects.bulk_create(
        (
            Unit(
                name=f"S{c:02d}市",
                full_name=f"S{c:02d}市人民政府（合成测试数据）",
                kind=Unit.Kind.CITY,
                jurisdiction=province,
                parent=province,
                order=c,
            )
            for c in range(1, cities + 1)
        ),
        batch_size=BATCH,
    )
    county_rows = []
    for c, city in enumerate(city_nodes, 1):
        n = counties if counties is not None else COUNTIES[(c - 1) % 2]
        county_rows += [
            (
                county_code(c, k),
                Unit(
                    name=f"S{c:02d}-{k:02d}县",
                    full_name=f"S{c:02d}市{k:02d}县人民政府（合成测试数据）",
                    kind=Unit.Kind.COUNTY,
                    jurisdiction=city,
                    parent=city,
                    order=k,
                ),
            )
            for k in range(1, n + 1)
        ]
    county_nodes = Unit.objects.bulk_create([u for _, u in county_rows], batch_size=BATCH)

    office = Unit.objects.create(
        name=OFFICE[0],
        full_name=f"{PROVINCE_NAME}{OFFICE[1]}",
        kind=Unit.Kind.OFFICE,
        jurisdiction=province,
    )
    _accounts_create([(username(None, "ban"), roles.REVIEWER, office)], encoded)
    total = ProvinceSummary(
        year=year,
        cities=len(city_nodes),
        counties=len(county_nodes),
        plans=0,
        projects=0,
        subitems=0,
        milestones=0,
        reports=0,
        units=2 + len(city_nodes) + len(county_nodes),  # the province, its office, the places
        users=1,
    )
    places = [(city_code(c), city, True) for c, city in enumerate(city_nodes, 1)]
    places += [
        (code, county, False) for (code, _), county in zip(county_rows, county_nodes, strict=True)
    ]
    for code, place, is_city in places:
        jurisdiction_seed(
            jurisdiction=place,
            code=code,
            year=year,
            projects=CITY_PROJECTS if is_city else rng.randint(*COUNTY_PROJECTS),
            mayors=CITY_MAYORS if is_city else COUNTY_MAYORS,
            encoded_password=encoded,
            rng=rng,
            total=total,
        )
    return total


def jurisdiction_seed(
    *,
    jurisdiction: Unit,
    code: str,
    year: int,
    projects: int,
    mayors: int,
    encoded_password: str | None,
    rng: random.Random,
    total: ProvinceSummary,
) -> None:
    """One city's or county's programme: its bureaus and office, a person per
    bureau, vice-mayors, four accounts and the ``year`` plan. Adds to ``total``."""
    place = jurisdiction.name
    units = Unit.objects.bulk_create(
        (
            Unit(
                name=name,
                full_name=f"{place}{full}",
                kind=Unit.Kind.BUREAU,
                jurisdiction=jurisdiction,
                order=i,
            )
            for i, (name, full) in enumerate(BUREAUS, 1)
        ),
        batch_size=BATCH,
    )
    office = Unit.objects.create(
        name=OFFICE[0],
        full_name=f"{place}{OFFICE[1]}",
        kind=Unit.Kind.OFFICE,
        jurisdiction=jurisdiction,
        order=len(BUREAUS) + 1,
    )
    persons = Person.objects.bulk_create(
        (Person(name=f"{unit.name}局长", title="局长", unit=unit) for unit in units),
        batch_size=BATCH,
    )
    mayors_ = ViceMayor.objects.bulk_create(
        (
            ViceMayor(
                name=f"副市长{i:02d}" if jurisdiction.kind == Unit.Kind.CITY else f"副县长{i:02d}",
                title="副市长" if jurisdiction.kind == Unit.Kind.CITY else "副县长",
                portfolio="测试分管领域",
                jurisdiction=jurisdiction,
                order=i,
            )
            for i in range(1, mayors + 1)
        ),
        batch_size=BATCH,
    )
    bureau = next(u for u in units if u.name == CLERK_BUREAU)
    accounts = _accounts_create(
        [
            (username(code, "ban"), roles.REVIEWER, office),
            (username(code, "zhijian"), roles.CLERK, bureau),
            (username(code, "zhijian_head"), roles.UNIT_HEAD, bureau),
            (username(code, "fushizhang"), roles.VICE_MAYOR, office),
        ],
        encoded_password,
    )
    ViceMayor.objects.filter(pk=mayors_[0].pk).update(user=accounts[3])

    plan = PlanYear.objects.create(
        jurisdiction=jurisdiction,
        year=year,
        doc_number=f"{place}〔{year}〕1号",
        title=f"{year}年{place}质量工作项目化推进责任制（合成测试数据）",
    )
    figures = plan_fill(
        plan=plan,
        units=units,
        persons=persons,
        mayors=mayors_,
        projects=projects,
        author=accounts[1],
        rng=rng,
    )
    total.plans += 1
    total.projects += figures.projects
    total.subitems += figures.subitems
    total.milestones += figures.milestones
    total.reports += figures.reports
    total.units += len(units) + 1
    total.users += len(accounts)


def _accounts_create(rows: list[tuple[str, str, Unit]], encoded_password: str | None) -> list:
    """Accounts (username, role group, unit) with their group and membership, in
    three statements."""
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in={r for _, r, _ in rows})}
    users = User.objects.bulk_create(
        [
            User(
                username=name,
                email=f"{name}@example.gov.cn",
                password=encoded_password or make_password(None),
            )
            for name, _, _ in rows
        ],
        batch_size=BATCH,
    )
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=u.pk, group_id=groups[r].pk)
            for u, (_, r, _) in zip(users, rows, strict=True)
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [Membership(user=u, unit=unit) for u, (_, _, unit) in zip(users, rows, strict=True)],
        batch_size=BATCH,
    )
    return users


def province_delete(
    *, before_units_deleted: Callable[[QuerySet[Unit]], None] | None = None
) -> None:
    """Delete the synthetic province, if there is one, with everything in it:
    plans, accounts, persons, vice-mayors, units, jurisdictions (lowest first)."""
    root = Unit.objects.filter(
        name=PROVINCE_NAME, jurisdiction__isnull=True, kind=Unit.Kind.PROVINCE
    ).first()
    if root is None:
        return
    ids = sorted(subtree_ids(root))
    plans_delete(PlanYear.objects.filter(jurisdiction_id__in=ids))
    units = Unit.objects.filter(Q(jurisdiction_id__in=ids) | Q(pk=root.pk))
    if before_units_deleted is not None:
        before_units_deleted(units)
    User = get_user_model()
    users = User.objects.filter(username__startswith=USERNAME_PREFIX).filter(
        Q(membership__unit__in=units) | Q(vice_mayor__jurisdiction_id__in=ids)
    )
    user_ids = list(users.values_list("pk", flat=True))
    ViceMayor.objects.filter(jurisdiction_id__in=ids).update(user=None)
    delete_with_history(Membership.objects.filter(Q(unit__in=units) | Q(user_id__in=user_ids)))
    User.groups.through.objects.filter(user_id__in=user_ids).delete()
    User.objects.filter(pk__in=user_ids).delete()
    delete_with_history(Person.objects.filter(unit__in=units))
    delete_with_history(ViceMayor.objects.filter(jurisdiction_id__in=ids))
    # Units before the jurisdictions they belong to, counties before their city.
    delete_with_history(Unit.objects.filter(jurisdiction_id__in=ids).exclude(pk__in=ids))
    for kind in (Unit.Kind.TOWNSHIP, Unit.Kind.COUNTY, Unit.Kind.CITY, Unit.Kind.PROVINCE):
        delete_with_history(Unit.objects.filter(pk__in=ids, kind=kind))
