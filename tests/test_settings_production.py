"""Production settings come from the environment and pass `manage.py check --deploy`.

Each case runs Django in a subprocess, because settings are read once at start-up.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
GOOD_KEY = "k7#Qz9!vR2@mT5$wX8^bN1&cJ4*fH6(pL3)sD0-gY2+eU7=aV9_iO5~rK8"


def production_env(tmp_path, **overrides) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            # set for the browser tests (tests/e2e/conftest.py); never in deployment
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="zhucheng.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="zhucheng.settings",
        CACHE_BACKEND="database",
        ADMINS="运维值班 <ops@zhucheng.example.gov.cn>",
        ERROR_LOG=str(tmp_path / "errors.log"),
    )
    env.pop("REDIS_URL", None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issues_in_production(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_check_deploy_catches_an_insecure_override(tmp_path):
    """The test above can fail: with HTTPS redirect off, --deploy warns (security.W008)."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, SECURE_SSL_REDIRECT="false"),
    )
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_setting(tmp_path, missing):
    result = run(["manage.py", "check"], production_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize(
    "key", ["dev-only-insecure-key-change-me", "short-key", "a" * 60], ids=["dev", "short", "dull"]
)
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    result = run(["manage.py", "check"], production_env(tmp_path, SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY must be a random string" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, DEBUG="true"))
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


PROBE = r"""
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client

print("DEBUG", settings.DEBUG)
print("HSTS", settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)
print("COOKIES", settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
print("PROXY", getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
client = Client(HTTP_HOST="zhucheng.example.gov.cn")
plain = client.get("/accounts/login/")
print("PLAIN", plain.status_code, plain.headers.get("Location"))
page = client.get("/accounts/login/", secure=True)
print("PAGE", page.status_code)
print("HSTSHEADER", page.headers.get("Strict-Transport-Security"))
print("CSP", page.headers.get("Content-Security-Policy"))
css = client.get("/static/css/app.css", secure=True)
print("CSS", css.status_code, css.headers.get("Content-Type"))
from django.templatetags.static import static
hashed = static("css/app.css")
print("HASHED", hashed)
print("HASHEDCACHE", client.get(hashed, secure=True).headers.get("Cache-Control"))
behind = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
print("BEHIND", behind.status_code)
"""


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> str:
    """collectstatic's output under production settings, made once for the module's
    probes (each would otherwise run it again: seconds each)."""
    tmp = tmp_path_factory.mktemp("collected")
    result = run(["manage.py", "collectstatic", "--noinput", "-v0"], production_env(tmp))
    assert result.returncode == 0, result.stderr
    return str(tmp / "static")


def probe(tmp_path, collected_static, **overrides) -> dict[str, str]:
    env = production_env(tmp_path, STATIC_ROOT=collected_static, **overrides)
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)


def test_production_serves_https_only_with_hsts_csp_and_whitenoise_static(
    tmp_path, collected_static
):
    out = probe(tmp_path, collected_static)
    assert out["DEBUG"] == "False"
    assert out["HSTS"] == "31536000 True True"
    assert out["COOKIES"] == "True True"
    assert out["PLAIN"].startswith("301 https://zhucheng.example.gov.cn/accounts/login/")
    assert out["PAGE"] == "200"
    assert out["HSTSHEADER"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in out["CSP"] and "unsafe-inline" not in out["CSP"]
    assert out["CSS"].startswith("200 text/css")
    # Manifest storage: pages link the hashed copy, which WhiteNoise caches for ever.
    assert out["HASHED"] != "/static/css/app.css" and out["HASHED"].endswith(".css")
    assert "immutable" in out["HASHEDCACHE"]
    # Without SECURE_PROXY_SSL_HEADER the forwarded header is not trusted: still a redirect.
    assert out["PROXY"] == "None"
    assert out["BEHIND"] == "301"


def test_secure_proxy_ssl_header_trusts_the_forwarded_protocol(tmp_path, collected_static):
    out = probe(tmp_path, collected_static, SECURE_PROXY_SSL_HEADER="1")
    assert out["PROXY"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert out["BEHIND"] == "200"


PAGES_PROBE = r"""
import django
django.setup()
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
call_command("load_demo", verbosity=0)
from django.contrib.auth import get_user_model

users = get_user_model().objects
client = Client(HTTP_HOST="zhucheng.example.gov.cn")
for username, paths in {
    "dubanshi": ["/", "/projects/", "/review/", "/assessment/2010/", "/reports/bulletin.pdf"],
    "zhijian": ["/my/", "/accounts/password_change/"],
    "admin": ["/admin/", "/admin/projects/project/"],
}.items():
    client.force_login(users.get(username=username))
    for path in paths:
        response = client.get(path, secure=True)
        print("PAGE", path, response.status_code)
"""


def test_main_pages_render_with_production_static_files(tmp_path, collected_static):
    """Manifest storage fails on a static file a template names but does not exist;
    development settings would not notice."""
    env = production_env(tmp_path, ZHUCHENG_TODAY="2010-09-30", STATIC_ROOT=collected_static)
    result = run(["-c", PAGES_PROBE], env)
    assert result.returncode == 0, result.stderr[-3000:]
    pages = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("PAGE")]
    assert len(pages) == 9
    assert all(status == "200" for _, status in pages), pages


def test_shipped_settings_hash_new_passwords_with_argon2_and_still_read_pbkdf2():
    # conftest swaps in MD5 for speed; the module's own value is what runs in production.
    import zhucheng.settings as shipped

    assert shipped.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in shipped.PASSWORD_HASHERS


# --- A cache all workers share; error log and error mail (issue 16) ---------------


@pytest.mark.parametrize("backend", [None, "locmem"], ids=["unset", "locmem"])
def test_production_refuses_a_per_process_memory_cache(tmp_path, backend):
    result = run(["manage.py", "check"], production_env(tmp_path, CACHE_BACKEND=backend))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "needs a cache shared by all workers" in result.stderr
    assert "REDIS_URL" in result.stderr and "CACHE_BACKEND=database" in result.stderr


def test_an_unknown_cache_backend_is_refused(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, CACHE_BACKEND="memcached"))
    assert result.returncode != 0
    assert "CACHE_BACKEND must be database or locmem" in result.stderr


CACHE_PROBE = r"""
import sys
import django
django.setup()
from django.conf import settings
from django.core.cache import cache

key, step = sys.argv[1], sys.argv[2]
print("BACKEND", settings.CACHES["default"]["BACKEND"])
if step == "first":
    cache.set(key + ":pdf", "rendered by the first worker", 60)
    print("LOCK", cache.add(key + ":rendering", 1, 60))
else:
    print("SEEN", cache.get(key + ":pdf"))
    print("LOCK", cache.add(key + ":rendering", 1, 60))
    cache.delete_many([key + ":pdf", key + ":rendering"])
"""


@pytest.mark.parametrize(
    "overrides",
    [
        {"REDIS_URL": "redis://127.0.0.1:6379/15", "CACHE_BACKEND": None},
        {"CACHE_BACKEND": "database"},
    ],
    ids=["redis", "database"],
)
def test_production_cache_and_render_lock_are_shared_between_worker_processes(tmp_path, overrides):
    """Two processes, as two gunicorn workers: the second sees what the first cached,
    and cannot take the render lock the first holds (with per-process memory it could)."""
    env = production_env(tmp_path, **overrides)
    if "REDIS_URL" not in overrides:
        setup = run(["manage.py", "createcachetable"], env)
        assert setup.returncode == 0, setup.stderr
    key = f"zhucheng:test:{uuid.uuid4().hex}"
    outputs = []
    for step in ("first", "second"):
        result = run(["-c", CACHE_PROBE, key, step], env)
        assert result.returncode == 0, result.stderr
        outputs.append(dict(line.split(" ", 1) for line in result.stdout.splitlines()))
    expected = "RedisCache" if "REDIS_URL" in overrides else "DatabaseCache"
    assert outputs[0]["BACKEND"].endswith(expected)
    assert outputs[0]["LOCK"] == "True"
    assert outputs[1]["SEEN"] == "rendered by the first worker"
    assert outputs[1]["LOCK"] == "False"


ERROR_PROBE = r"""
import django
django.setup()
from django.core import mail
from django.test import Client

# No migrate: the tables are missing, so signing in fails with a server error.
client = Client(HTTP_HOST="zhucheng.example.gov.cn", raise_request_exception=False)
response = client.post("/accounts/login/", {"username": "x", "password": "y"}, secure=True)
print("STATUS", response.status_code)
for message in mail.outbox:
    print("MAIL", message.to, message.subject)
"""


def test_a_failed_request_is_logged_to_error_log_and_mailed_to_admins(tmp_path):
    log = tmp_path / "logs" / "errors.log"
    log.parent.mkdir()
    env = production_env(
        tmp_path,
        ERROR_LOG=str(log),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    result = run(["-c", ERROR_PROBE], env)
    assert result.returncode == 0, result.stderr
    assert "STATUS 500" in result.stdout
    assert "MAIL ['ops@zhucheng.example.gov.cn']" in result.stdout
    assert "Internal Server Error: /accounts/login/" in result.stdout
    text = log.read_text(encoding="utf-8")
    assert "ERROR django.request" in text and "Internal Server Error: /accounts/login/" in text
    assert "Traceback" in text and "no such table" in text


def test_error_log_in_a_missing_directory_is_refused(tmp_path):
    result = run(
        ["manage.py", "check"], production_env(tmp_path, ERROR_LOG=str(tmp_path / "no" / "e.log"))
    )
    assert result.returncode != 0
    assert "must exist and be writable" in result.stderr


def test_check_deploy_warns_when_nobody_gets_error_mail(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, ADMINS=None),
    )
    assert result.returncode != 0
    assert "zhucheng.W001" in result.stdout + result.stderr


def test_admins_must_be_names_with_addresses(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, ADMINS="just a name"))
    assert result.returncode != 0
    assert "ADMINS must be" in result.stderr
