"""The server's start-up step: the heap alive after set-up is frozen out of full collections."""

import gc
import importlib

from django.urls import reverse


def test_the_wsgi_module_settles_the_heap_and_the_app_still_serves(client):
    gc.unfreeze()
    try:
        wsgi = importlib.import_module("config.wsgi")
        importlib.reload(wsgi)
        assert gc.get_freeze_count() > 10_000  # modules, settings, URL patterns, models
        # A garbage collection now walks far fewer objects than are alive.
        assert len(gc.get_objects()) < gc.get_freeze_count()
        assert client.get(reverse("core:login")).status_code == 200
    finally:
        gc.unfreeze()
