"""Role groups. A user's role is the Django auth group they belong to.

The names are what administrators see in the admin, so they are Chinese; code
refers to them only through these constants.
"""

from django.contrib.auth.models import AnonymousUser, User

CLERK = "单位填报员"
UNIT_HEAD = "单位负责人"
REVIEWER = "市府办审核员"
VICE_MAYOR = "分管市长"
ADMIN = "系统管理员"

ALL_ROLES = (CLERK, UNIT_HEAD, REVIEWER, VICE_MAYOR, ADMIN)

_CACHE = "_role_names"  # attribute on the user object holding their group names


def has_role(user: User | AnonymousUser, role: str) -> bool:
    """True when the user is in the role group. Superusers hold every role.

    Caches the user's group names on the user object, so repeated checks in one
    request cost one query.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names: set[str] | None = getattr(user, _CACHE, None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        setattr(user, _CACHE, names)
    return role in names
