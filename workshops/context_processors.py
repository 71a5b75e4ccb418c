from django.http import HttpRequest

from .selectors import districts_staffed_by, memberships_of


def memberships(request: HttpRequest) -> dict:
    """The signed-in user's workshops and districts, for the navigation bar (lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def my_memberships():
        if not hasattr(request, "_my_memberships"):
            request._my_memberships = list(memberships_of(user))
        return request._my_memberships

    return {"my_memberships": my_memberships, "my_districts": lambda: districts_staffed_by(user)}
