"""User names no account can have are refused before authentication (issue 16, item 3).

Django's AuthenticationForm attaches no length validator to its username field, so a
256-character name reached ``authenticate()`` and django-axes failed to store it in
its varchar(255) column: HTTP 500 on PostgreSQL for anyone, signed in or not.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import RequestFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def alice_password(city):
    city.alice.set_password("Zhucheng@2010")
    city.alice.save()
    return "Zhucheng@2010"


def page(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
@pytest.mark.parametrize("length", [151, 256, 10_000])
def test_a_user_name_over_150_characters_is_refused_next_to_the_field(
    client, city, axes_on, url, length
):
    response = client.post(url, {"username": "甲" * length, "password": "wrong-password"})
    assert response.status_code == 200
    assert f"用户名最多150个字符（现有{length}个）" in page(response)
    assert "_auth_user_id" not in client.session
    # Refused before authentication: nothing for django-axes to count.
    assert not AccessAttempt.objects.exists()


def test_a_150_character_user_name_is_an_ordinary_failed_login(client, city, axes_on):
    name = "a" * 150
    response = client.post(LOGIN, {"username": name, "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名最多" not in page(response)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == name and attempt.failures_since_start == 1


def test_five_failures_with_a_150_character_name_lock_it(client, city, axes_on):
    for _ in range(5):
        response = client.post(LOGIN, {"username": "b" * 150, "password": "wrong-password"})
    assert response.status_code == 429
    # The refused longer name is not counted against the 150-character one.
    assert client.post(LOGIN, {"username": "b" * 151, "password": "x"}).status_code == 200


@pytest.mark.parametrize(
    ("username", "message"),
    [("ali\x00ce", "用户名含有不允许的字符"), ("\x00", "用户名含有不允许的字符")],
)
def test_nul_in_the_user_name_is_refused_with_a_message(
    client, city, axes_on, alice_password, username, message
):
    response = client.post(LOGIN, {"username": username, "password": alice_password})
    assert response.status_code == 200
    assert message in page(response)
    assert "_auth_user_id" not in client.session


def test_nul_in_the_password_is_refused_with_a_message(client, city, axes_on, alice_password):
    response = client.post(LOGIN, {"username": "alice", "password": alice_password + "\x00"})
    assert response.status_code == 200
    assert "密码含有不允许的字符" in page(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "username",
    [
        "ali\x01ce",
        "alice\x1b[0m",
        "\u202ealice",
        "al\u200bice",
        "alice\r\nx",
        "😀" * 150,
        "𠀀" * 150,
    ],
)
def test_control_and_invisible_characters_are_a_failed_login_not_a_500(
    client, city, axes_on, alice_password, username
):
    response = client.post(LOGIN, {"username": username, "password": alice_password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().username == username


def test_the_right_user_name_and_password_still_sign_in(client, city, axes_on, alice_password):
    response = client.post(LOGIN, {"username": "alice", "password": alice_password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(city.alice.pk)


def test_axes_never_stores_a_longer_name_whatever_calls_authenticate(city, axes_on):
    """Code that authenticates without the login form (another view, a future API)."""
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username="c" * 10_000, password="wrong-password") is None
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "c" * 150
