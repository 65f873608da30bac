"""System checks of the deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def error_mail_has_a_recipient(app_configs, **kwargs):
    """Failed requests are mailed to ADMINS; with none, nobody hears of them."""
    if settings.ADMINS:
        return []
    return [
        Warning(
            "ADMINS is empty: nobody gets the error mail of failed requests.",
            hint='Set ADMINS="Name <mail>,Name <mail>" in the environment (see README).',
            id="zhucheng.W001",
        )
    ]
