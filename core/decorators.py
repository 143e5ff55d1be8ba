from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def membership_required(view):
    """A signed-in person with an active membership; anyone else signs in first."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.membership is None:
            return render(request, "core/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
