import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from responsibility import roles


@pytest.mark.django_db
def test_role_groups_come_back_after_a_flush():
    """A flush (restore, transactional tests) empties auth_group; post_migrate makes them again."""
    call_command("flush", interactive=False, verbosity=0)
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.ALL_ROLES)
