"""``manage.py check`` is clean: a warning there is a promise the database does not keep."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_checks_pass_with_warnings_as_failures_including_database_checks():
    # ``databases`` adds the checks migrate runs, such as constraints a backend cannot create.
    call_command("check", databases=["default"], fail_level="WARNING")
