"""Role groups. A user's role is the Django auth group they belong to.

The names are what administrators see in the admin, so they are Chinese; code
refers to them only through these constants.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

CLERK = "单位填报员"
UNIT_HEAD = "单位负责人"
REVIEWER = "市府办审核员"
VICE_MAYOR = "分管市长"
ADMIN = "系统管理员"

ALL_ROLES = (CLERK, UNIT_HEAD, REVIEWER, VICE_MAYOR, ADMIN)


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    """True when the user is in the role group. Superusers hold every role.

    Caches the user's group names on the user object, so repeated checks in one
    request cost one query.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return role in names
