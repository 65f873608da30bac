"""Accounts for the load test: clerks of different seeded units, mayor's office reviewers
and vice-mayors (each given a seeded vice-mayor with projects this year), all with the
password in $LOADTEST_PASSWORD. Run by loadtest/run.sh after the database is ready.

Usage: prepare.py YEAR [CLERKS [OFFICES [MAYORS]]]. Prints one line per account, read by
the locustfile through loadtest/out/users.txt: ``clerk NAME UNIT_ID``, ``office NAME -``,
``mayor NAME VICE_MAYOR_ID``.
"""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhucheng.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

from projects.models import Milestone, Project  # noqa: E402
from responsibility import roles  # noqa: E402
from responsibility.models import Membership, Unit, ViceMayor  # noqa: E402

year = int(sys.argv[1])
clerks = int(sys.argv[2]) if len(sys.argv) > 2 else 40
offices = int(sys.argv[3]) if len(sys.argv) > 3 else 10
mayors = int(sys.argv[4]) if len(sys.argv) > 4 else 5
password = make_password(os.environ["LOADTEST_PASSWORD"])  # hashed once, reused
User = get_user_model()

units = list(
    Unit.objects.filter(pk__in=Milestone.objects.for_year(year).open().values("unit_id")).order_by(
        "order", "pk"
    )[:clerks]
)
office_unit = Unit.objects.filter(kind=Unit.Kind.OFFICE).first() or units[0]
vice_mayors = list(
    ViceMayor.objects.active()
    .filter(pk__in=Project.objects.filter(plan__year=year).values("mayor_id"))
    .order_by("order", "pk")[:mayors]
)
lines = []
for kind, role, count, unit_for in (
    ("clerk", roles.CLERK, len(units), lambda i: units[i]),
    ("office", roles.REVIEWER, offices, lambda i: office_unit),
    ("mayor", roles.VICE_MAYOR, len(vice_mayors), lambda i: office_unit),
):
    group = Group.objects.get(name=role)
    for i in range(count):
        user, _ = User.objects.update_or_create(
            username=f"load_{kind}_{i:03d}", defaults={"password": password, "is_active": True}
        )
        user.groups.set([group])
        Membership.objects.update_or_create(user=user, defaults={"unit": unit_for(i)})
        extra = "-"
        if kind == "clerk":
            extra = str(units[i].pk)
        elif kind == "mayor":
            ViceMayor.objects.filter(user=user).exclude(pk=vice_mayors[i].pk).update(user=None)
            vice_mayors[i].user = user
            vice_mayors[i].save(update_fields=["user"])
            extra = str(vice_mayors[i].pk)
        lines.append(f"{kind} {user.username} {extra}")
print("\n".join(lines))
