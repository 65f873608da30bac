"""Login throttling (django-axes), password rules, idle sessions and password change."""

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

LOGIN = "/accounts/login/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_with_a_chinese_page(city, client, axes_on, caplog):
    city.alice.set_password("Zhucheng@2010")
    city.alice.save()
    caplog.set_level(logging.WARNING)
    for _ in range(4):
        response = attempt(client, "alice", "wrong-password")
        assert response.status_code == 200  # the form again, with an error
    response = attempt(client, "alice", "wrong-password")
    assert response.status_code == 429
    # Even the right password is refused while locked.
    response = attempt(client, "alice", "Zhucheng@2010")
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已暂时锁定" in page
    assert "5" in page and "30 分钟" in page
    assert "_auth_user_id" not in client.session
    assert any(
        "Locking out" in r.getMessage() and "alice" in r.getMessage() for r in caplog.records
    )


def test_lock_lifts_after_thirty_minutes(city, client, axes_on):
    city.alice.set_password("Zhucheng@2010")
    city.alice.save()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            attempt(client, "alice", "wrong-password")
        # Each attempt while locked counts as a failure and restarts the 30 minutes.
        clock.shift(dt.timedelta(minutes=29))
        assert attempt(client, "alice", "Zhucheng@2010").status_code == 429
        clock.shift(dt.timedelta(minutes=29))
        assert attempt(client, "alice", "Zhucheng@2010").status_code == 429
        clock.shift(dt.timedelta(minutes=31))
        response = attempt(client, "alice", "Zhucheng@2010")
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(city.alice.pk)


def test_a_locked_user_does_not_lock_another(city, client, axes_on):
    city.bob.set_password("Zhucheng@2010")
    city.bob.save()
    for _ in range(5):
        attempt(client, "alice", "wrong-password")
    assert attempt(client, "bob", "Zhucheng@2010").status_code == 302


def test_force_login_still_works_with_axes_on(city, client, axes_on):
    client.force_login(city.alice)
    assert client.get("/my/").status_code == 200


@pytest.mark.parametrize("password", ["Short@201", "1234567890123", "password1234"])
def test_weak_passwords_are_refused(city, password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user=city.alice)


def test_the_demo_password_is_strong_enough(city):
    password_validation.validate_password("Zhucheng@2010", user=city.alice)


def test_idle_session_ends_after_two_hours(city, client):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(city.alice)
        assert client.get("/my/").status_code == 200
        clock.shift(dt.timedelta(hours=1, minutes=50))
        assert client.get("/my/").status_code == 200  # activity pushes the expiry on
        clock.shift(dt.timedelta(hours=1, minutes=50))
        assert client.get("/my/").status_code == 200
        clock.shift(dt.timedelta(hours=2, minutes=1))
        response = client.get("/my/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_session_cookie_ends_with_the_browser(city, client):
    client.force_login(city.alice)
    response = client.get("/my/")
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_password_change_page_is_in_chinese_and_linked(city, client):
    client.force_login(city.alice)
    page = client.get("/my/").content.decode()
    assert reverse("password_change") in page
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert "修改密码" in response.content.decode()


def test_password_change_needs_login(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_changes_password(city, client):
    city.alice.set_password("Zhucheng@2010")
    city.alice.save()
    client.force_login(city.alice)
    weak = client.post(
        reverse("password_change"),
        {"old_password": "Zhucheng@2010", "new_password1": "abc12345", "new_password2": "abc12345"},
    )
    assert weak.status_code == 200
    assert "密码太短，至少需要 10 个字符" in weak.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Zhucheng@2010",
            "new_password1": "Lantern#river42",
            "new_password2": "Lantern#river42",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "密码已修改" in response.content.decode()
    city.alice.refresh_from_db()
    assert city.alice.check_password("Lantern#river42")
