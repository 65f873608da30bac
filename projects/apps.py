from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目推进")

    def ready(self):
        # Connects the rule that cuts history change reasons to their column.
        from projects import history  # noqa: F401
