from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
def test_issue_token_prints_a_token_and_rotate_replaces_it(owner):
    out = StringIO()
    call_command("issue_token", "owner", stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=owner).key == key
    out = StringIO()
    call_command("issue_token", "owner", stdout=out)
    assert out.getvalue().strip() == key
    out = StringIO()
    call_command("issue_token", "owner", "--rotate", stdout=out)
    assert out.getvalue().strip() != key
    assert Token.objects.filter(user=owner).count() == 1


@pytest.mark.django_db
def test_issue_token_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No active user"):
        call_command("issue_token", "nobody")
