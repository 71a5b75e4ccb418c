from django.http import HttpRequest

from .selectors import districts_staffed_by, memberships_for_request


def memberships(request: HttpRequest) -> dict:
    """The signed-in user's workshops and districts, for the navigation bar (lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": lambda: memberships_for_request(request),
        "my_districts": lambda: districts_staffed_by(user),
        "i_manage_a_workshop": lambda: any(m.can_manage for m in memberships_for_request(request)),
    }
