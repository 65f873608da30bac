"""Sign-in forms that refuse a user name no account can have, before authentication.

Django's ``AuthenticationForm`` sets its username field's ``max_length`` after the
field is built, so no length validator is attached: a 256-character name went on to
``authenticate()``, and django-axes, recording the failure, wrote it into its
varchar(255) ``username`` column (HTTP 500 on PostgreSQL; django-axes issue #1381).
Here the limit is the User model's own (150) and is checked like any other field,
with a Chinese message next to the field. ``axes_username`` is the second guard:
whatever path reaches ``authenticate()``, django-axes never sees a longer name.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


def username_max_length() -> int:
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    return getattr(field, "max_length", None) or 150


class _BoundedUsername(AuthenticationForm):
    """Mixin: the username field is validated against the model's length."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.CharField)
        limit = username_max_length()
        field.max_length = limit
        field.widget.attrs["maxlength"] = limit
        field.validators.append(MaxLengthValidator(limit))
        field.error_messages.update(
            {
                "max_length": _("用户名最多%(limit_value)d个字符（现有%(show_value)d个）。"),
                "null_characters_not_allowed": _("用户名含有不允许的字符。"),
                "required": _("请填写用户名。"),
            }
        )
        self.fields["password"].error_messages.update(
            {
                "null_characters_not_allowed": _("密码含有不允许的字符。"),
                "required": _("请填写密码。"),
            }
        )


class LoginForm(_BoundedUsername, AuthenticationForm):
    """``/accounts/login/``."""


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    """``/admin/login/``."""


def axes_username(request, credentials=None) -> str | None:
    """The user name django-axes records and locks (``AXES_USERNAME_CALLABLE``):
    what it would read itself, cut to the User model's length."""
    field: str = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        username = credentials.get(field)
    elif request is not None:
        username = getattr(request, "data", request.POST).get(field)
    else:
        username = None
    if isinstance(username, str):
        return username[: username_max_length()]
    return username
