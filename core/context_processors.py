from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from core.selectors import organizations_for_user


def tenancy(request):
    """The organization switcher's choices, loaded only when a template asks for them."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "membership": request.membership,
        "today": timezone.localdate(),
        "current_organization": request.organization,
        "my_organizations": SimpleLazyObject(
            lambda: list(organizations_for_user(user=request.user))
        ),
    }
