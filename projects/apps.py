from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目推进")

    def ready(self):
        from projects import checks  # noqa: F401  (registers the deployment checks)
