"""A developer's machine: DEBUG on, a throwaway secret, embedded services when no URLs are set."""

from config import embedded

from .base import *
from .base import env, service_settings

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded ones under var/.
vars().update(
    service_settings(database_url=embedded.database_url(), redis_url=embedded.redis_url())
)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
