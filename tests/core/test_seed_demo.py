import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from frenchimpact.accounts.demo import DEMO_PASSWORD, PER_ROLE
from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role, user_has_role


@pytest.mark.django_db
def test_seed_demo_creates_users_of_every_role_and_prints_the_login(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert User.objects.count() == sum(PER_ROLE.values())
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert DEMO_PASSWORD in out
    staff_email = "equipe-programme-1@demo.frenchimpact.example"
    assert staff_email in out
    staff = authenticate(email=staff_email, password=DEMO_PASSWORD)
    assert staff is not None and user_has_role(staff, Role.PROGRAMME_STAFF)
    # The matrix keeps the Django admin for administrators only.
    assert not staff.is_staff
    admin = User.objects.get(email="administrateur-1@demo.frenchimpact.example")
    assert admin.is_staff and user_has_role(admin, Role.ADMINISTRATOR)
    assert not User.objects.filter(is_staff=True).exclude(groups__name="administrateur").exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_deterministic():
    call_command("seed_demo", "--seed", "7")
    first = sorted(User.objects.values_list("email", "first_name", "last_name"))
    call_command("seed_demo", "--seed", "7")
    assert sorted(User.objects.values_list("email", "first_name", "last_name")) == first


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert User.objects.count() == 0
