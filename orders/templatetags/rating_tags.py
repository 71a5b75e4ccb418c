"""Ratings shown on the workshop profile (a workshops page), so workshops need not import
orders."""

from django import template

from orders.ratings import ratings_section

register = template.Library()


@register.simple_tag(takes_context=True)
def workshop_ratings(context, workshop):
    """What the profile's ratings section shows the page's user, or None when it is not
    theirs to see (`orders.ratings.ratings_section`)."""
    return ratings_section(context["request"].user, workshop)
