"""Accounts for the load test: clerks of the seeded units and mayor's office reviewers,
all with the password in $LOADTEST_PASSWORD. Run by loadtest/run.sh after seed_scale.

Prints one line per account kind: ``clerk NAME`` / ``office NAME`` (read by the locustfile
through loadtest/out/users.txt).
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

from projects.models import Milestone  # noqa: E402
from responsibility import roles  # noqa: E402
from responsibility.models import Membership, Unit  # noqa: E402

year = int(sys.argv[1])
clerks = int(sys.argv[2]) if len(sys.argv) > 2 else 40
offices = int(sys.argv[3]) if len(sys.argv) > 3 else 10
password = make_password(os.environ["LOADTEST_PASSWORD"])  # hashed once, reused
User = get_user_model()

units = list(
    Unit.objects.filter(pk__in=Milestone.objects.for_year(year).open().values("unit_id")).order_by(
        "order", "pk"
    )[:clerks]
)
office_unit = Unit.objects.filter(kind=Unit.Kind.OFFICE).first() or units[0]
lines = []
for role, count, unit_for in (
    (roles.CLERK, len(units), lambda i: units[i]),
    (roles.REVIEWER, offices, lambda i: office_unit),
):
    group = Group.objects.get(name=role)
    kind = "clerk" if role == roles.CLERK else "office"
    for i in range(count):
        user, _ = User.objects.update_or_create(
            username=f"load_{kind}_{i:03d}", defaults={"password": password, "is_active": True}
        )
        user.groups.set([group])
        Membership.objects.update_or_create(user=user, defaults={"unit": unit_for(i)})
        lines.append(f"{kind} {user.username}")
print("\n".join(lines))
