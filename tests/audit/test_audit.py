import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.audit.services import audit_record, snapshot


def make_user(email: str, *roles: Role) -> User:
    user = User.objects.create_user(email=email, password="motdepasse-solide-2026")
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def staff(db):
    return make_user("equipe@example.org", Role.PROGRAMME_STAFF)


@pytest.fixture
def subject(db):
    return make_user("porteur@example.org", Role.PROJECT_HOLDER)


def history_url(obj) -> str:
    ct = ContentType.objects.get_for_model(obj)
    return f"/gestion/historique/{ct.pk}/{obj.pk}/"


def test_record_keeps_who_what_when_and_only_changed_values(staff, subject):
    before = snapshot(subject, ["first_name", "last_name"])
    subject.first_name = "Aïcha"
    subject.save(update_fields=["first_name"])
    entry = audit_record(
        actor=staff,
        action="user.rename",
        obj=subject,
        before=before,
        after=snapshot(subject, ["first_name", "last_name"]),
        reason="demande de l’intéressée",
    )
    entry.refresh_from_db()
    assert entry.actor == staff
    assert entry.object_id == str(subject.pk)
    assert entry.changes == {"first_name": {"avant": "", "apres": "Aïcha"}}
    assert entry.reason == "demande de l’intéressée"
    assert entry.created_at is not None


def test_state_transitions_are_recorded(staff, subject):
    entry = audit_record(
        actor=staff, action="demo.transition", obj=subject, from_state="draft", to_state="submitted"
    )
    assert (entry.from_state, entry.to_state) == ("draft", "submitted")


def test_anonymous_or_system_actor_is_stored_as_null(subject):
    from django.contrib.auth.models import AnonymousUser

    assert audit_record(actor=AnonymousUser(), action="x", obj=subject).actor is None
    assert audit_record(actor=None, action="y", obj=subject).actor is None


def test_a_rolled_back_transaction_leaves_no_entry(staff, subject):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=staff, action="will.rollback", obj=subject)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.filter(action="will.rollback").exists()


def test_entries_are_append_only(staff, subject):
    entry = audit_record(actor=staff, action="x", obj=subject)
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_unsaved_objects_cannot_be_audited(staff):
    with pytest.raises(ValueError):
        audit_record(actor=staff, action="x", obj=User(email="nouveau@example.org"))


def test_deleting_the_actor_keeps_the_entry_with_a_null_actor(staff, subject):
    entry = audit_record(actor=staff, action="x", obj=subject)
    staff.delete()
    entry.refresh_from_db()
    assert entry.actor is None


def test_history_page_requires_login(client, subject):
    audit_record(actor=None, action="x", obj=subject)
    response = client.get(history_url(subject))
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def test_history_page_is_forbidden_to_other_roles(client, subject):
    audit_record(actor=None, action="x", obj=subject)
    client.force_login(subject)
    assert client.get(history_url(subject)).status_code == 403


def test_history_page_lists_entries_for_programme_staff(client, staff, subject):
    audit_record(actor=staff, action="user.rename", obj=subject, reason="motif visible")
    audit_record(actor=staff, action="demo.transition", obj=subject, from_state="a", to_state="b")
    other = make_user("autre@example.org")
    audit_record(actor=staff, action="not.this.object", obj=other)
    client.force_login(staff)

    response = client.get(history_url(subject))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Historique de" in body
    assert "user.rename" in body and "motif visible" in body and "a → b" in body
    assert "not.this.object" not in body
    # newest first
    assert body.index("demo.transition") < body.index("user.rename")


def test_history_page_query_count_does_not_grow_with_entries(
    client, staff, subject, django_assert_max_num_queries
):
    for i in range(30):
        audit_record(actor=staff, action=f"action.{i}", obj=subject)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        assert client.get(history_url(subject)).status_code == 200


def test_history_of_an_object_without_entries_is_404(client, staff, subject):
    client.force_login(staff)
    assert client.get(history_url(subject)).status_code == 404
    assert client.get("/gestion/historique/999999/1/").status_code == 404


def test_entries_name_an_account_by_number_not_by_email(staff, subject):
    entry = audit_record(actor=staff, action="x", obj=subject)
    assert entry.object_repr == f"compte n°{subject.pk}"
    assert "porteur@example.org" not in entry.object_repr


def test_erasing_personal_data_blanks_values_but_keeps_who_and_when(staff, subject):
    from frenchimpact.audit.services import audit_erase_personal_data

    audit_record(
        actor=staff,
        action="user.rename",
        obj=subject,
        before={"last_name": "Ancien"},
        after={"last_name": "Nouveau"},
        reason="demande de Mme Nouveau",
    )
    other = make_user("autre@example.org")
    kept = audit_record(actor=staff, action="x", obj=other, after={"last_name": "Garde"})

    assert audit_erase_personal_data(obj=subject) == 1

    erased = AuditEntry.objects.for_object(subject).get()
    assert erased.changes == {} and erased.reason == ""
    assert "Nouveau" not in erased.object_repr
    assert erased.actor == staff and erased.action == "user.rename"
    kept.refresh_from_db()
    assert kept.changes == {"last_name": {"avant": None, "apres": "Garde"}}


def test_audited_transition_moves_once_and_refuses_a_wrong_state(staff):
    from django.core.exceptions import ValidationError

    from frenchimpact.audit.services import audited_transition
    from frenchimpact.organisations.enums import ModerationStatus
    from tests.organisations.factories import OrganisationFactory

    organisation = OrganisationFactory.create()
    arguments = {
        "obj": organisation,
        "actor": staff,
        "action": "demo.publish",
        "from_states": [ModerationStatus.PENDING],
        "to_state": ModerationStatus.PUBLISHED,
        "states": ModerationStatus,
        "invalid_message": "Impossible depuis « %(state)s ».",
        "concurrent_message": "Modifiée entre-temps.",
    }
    assert audited_transition(**arguments) == ModerationStatus.PENDING
    with pytest.raises(ValidationError) as error:
        audited_transition(**arguments)
    assert error.value.messages == ["Impossible depuis « Publié »."]
    entries = AuditEntry.objects.for_object(organisation).filter(action="demo.publish")
    assert [(e.from_state, e.to_state) for e in entries] == [("en_attente", "publie")]
