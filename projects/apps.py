from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目推进")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from common.timestamps import pin_history_date
        from projects import checks  # noqa: F401  (registers the deployment checks)

        pre_create_historical_record.connect(pin_history_date, dispatch_uid="pin_history_date")
        from common import history  # noqa: F401  (cuts history change reasons to their column)
