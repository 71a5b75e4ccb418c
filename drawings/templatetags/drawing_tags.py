"""Drawings shown on other apps' pages, so those apps need not import this one."""

from django import template

from drawings.selectors import drawings_for_order, drawings_for_posting

register = template.Library()


@register.simple_tag(takes_context=True)
def posting_drawings(context, posting):
    """The current revisions an open board posting shows the page's user (a list)."""
    return drawings_for_posting(posting, context["request"].user)


@register.simple_tag(takes_context=True)
def order_drawings(context, order):
    """The current revisions shared with an order that the page's user may see (a list)."""
    return drawings_for_order(order, context["request"].user)
