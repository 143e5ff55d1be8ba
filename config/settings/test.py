"""The test suite: real PostgreSQL and Redis, fast password hashing, e-mail kept in memory."""

from config import embedded

from .base import *
from .base import env, service_settings

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only-not-a-secret")
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded ones under var/.
# Under CI=true both URLs are required: CI tests the real servers, with no silent fallback.
_services = service_settings(database_url=embedded.database_url(), redis_url=embedded.redis_url())
_services["DATABASES"]["default"]["CONN_MAX_AGE"] = 0
# Separate names let several test runs share one server (e.g. two checkouts side by side).
_services["DATABASES"]["default"]["TEST"] = {
    "NAME": env("THROUGHLINE_TEST_DB", default="test_throughline")
}
vars().update(_services)

# Static files come from the finders; no collectstatic needed to run the suite.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
