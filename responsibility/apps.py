from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def role_groups_ensure(using: str = "default", **kwargs) -> None:
    """The role groups exist after every ``migrate`` and ``flush`` (both send
    post_migrate), not only after the data migration that first made them: a
    flushed database (a restore, a transactional test) would otherwise lose them."""
    from django.contrib.auth.models import Group

    from responsibility import roles

    for name in roles.ALL_ROLES:
        Group.objects.using(using).get_or_create(name=name)


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = _("责任体系")

    def ready(self) -> None:
        post_migrate.connect(role_groups_ensure, sender=self, dispatch_uid="role_groups_ensure")
