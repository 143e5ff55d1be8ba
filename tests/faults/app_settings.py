"""Settings of the app server the fault tests start (test_outages.py): the test settings with
persistent database connections as in production, so a restart of PostgreSQL hits connections
the app already holds."""

from config.settings.test import *  # noqa: F403

vars()["DATABASES"]["default"]["CONN_MAX_AGE"] = 60
