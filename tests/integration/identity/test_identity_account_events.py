"""Account events reach notifications through identity's outbox, with the person's contact snapshot;
UpdateContact: who may change what, and the errors of bad input."""
from __future__ import annotations

import re
import time
from datetime import date

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient
from devtools.smtp_sink import read_mails, text_of
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller

from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of



def query(url: str, sql: str, **params) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]
    finally:
        engine.dispose()


def snapshot(identity, account_id: str, until=lambda row: True, timeout: float = 10.0) -> dict:
    """What notifications knows of the person, once `until` holds (the relay polls every 0.5 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(identity.notifications_database_url,
                     "SELECT * FROM recipients WHERE account_id = :a", a=account_id)
        if rows and until(rows[0]):
            return rows[0]
        time.sleep(0.1)
    raise AssertionError(f"notifications did not get the expected snapshot of {account_id}: {rows}")


def create(identity, order: str, birth: str | None = None, **extra) -> str:
    birth = birth or _patient()["birth_date"]
    fields = {**_patient(), "birth_date": birth, "nir": _nir("2", birth, "75", "056", order), **extra}
    return identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=identity.operator()).account.account_id


def deliveries(identity, account_id: str, event_type: str) -> list[tuple[str, str]]:
    return [(r["channel"], r["state"]) for r in query(
        identity.notifications_database_url,
        "SELECT channel, state FROM deliveries WHERE recipient_id = :a AND event_type = :t", a=account_id, t=event_type)]


def test_creation_tells_notifications_who_she_is_and_plans_the_creation_letter(identity):
    account_id = create(identity, "301")
    known = snapshot(identity, account_id)
    assert (known["given_name"], known["family_name"], known["email"], known["activated"], known["minor"]) == \
        ("Jacqueline", "Martin", None, False, False)
    assert known["postal_address"] == "12 rue des Lilas, 75011 Paris"
    assert deliveries(identity, account_id, "ACCOUNT_CREATED") == [("POSTAL", "PENDING")]
    [event] = query(identity.notifications_database_url,
                    "SELECT payload FROM events WHERE patient_id = :a AND event_type = 'ACCOUNT_CREATED'", a=account_id)
    assert len(event["payload"]["provisional_code"]) >= 12 and event["payload"]["opposition_deadline"]
    # The code is in identity's outbox only until notifications has it.
    assert query(identity.database_url, "SELECT 1 FROM outbox WHERE aggregate_id = :a", a=account_id) == []


def test_a_minor_is_known_with_the_legal_representative_who_reads_her_notices(identity):
    parent = create(identity, "302")
    birth = date(date.today().year - 6, 1, 15)
    child = create(identity, "303", birth.isoformat(), given_name="Léa", legal_representative_account_id=parent)
    known = snapshot(identity, child)
    assert known["minor"] is True and known["adult_on"] == date(birth.year + 18, 1, 15)
    assert query(identity.notifications_database_url,
                 "SELECT viewer_id, relation FROM profile_viewers WHERE profile_id = :a", a=child) == \
        [{"viewer_id": parent, "relation": "LEGAL_REPRESENTATIVE"}]


def test_activation_gives_notifications_her_email(identity):
    created = identity.stub.CreateAccount(pb.CreateAccountRequest(
        **{**_patient(), "nir": _nir("2", _patient()["birth_date"], "75", "056", "304")}), metadata=identity.operator())
    snapshot(identity, created.account.account_id)
    identity.stub.ActivateAccount(pb.ActivateAccountRequest(
        provisional_code=created.provisional_code, nir=_nir("2", _patient()["birth_date"], "75", "056", "304"),
        vitale_serial=_patient()["vitale_serial"], login_id="jacqueline.events", password="Lilas-Paris-1946!",
        email="jacqueline.events@example.fr", accept_terms=True))
    known = snapshot(identity, created.account.account_id, until=lambda row: row["activated"])
    assert known["email"] == "jacqueline.events@example.fr"


class TestUpdateContact:
    def test_the_insurer_feed_gives_an_email_to_a_profile_not_yet_activated(self, identity):
        account_id = create(identity, "311")
        updated = identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id=account_id, email="jacqueline@example.fr"), metadata=identity.operator())
        assert updated.email == "jacqueline@example.fr"
        assert updated.postal_address == "12 rue des Lilas, 75011 Paris"     # empty fields stay
        assert snapshot(identity, account_id, until=lambda row: row["email"])["email"] == "jacqueline@example.fr"

    def test_the_holder_changes_her_postal_address_not_her_email(self, identity):
        account_id = create(identity, "312")
        me = identity.as_(Caller(PATIENT, account_id))
        moved = identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id="me", postal_address="3 place du Marché, 69002 Lyon"), metadata=me)
        assert moved.postal_address == "3 place du Marché, 69002 Lyon"
        assert snapshot(identity, account_id, until=lambda r: "Lyon" in (r["postal_address"] or ""))
        error = error_of(lambda: identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id="me", email="autre@example.fr"), metadata=me))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "CONTACT_VERIFICATION_REQUIRED"

    def test_nobody_else_changes_someone_s_contact(self, identity):
        account_id, other = create(identity, "313"), create(identity, "314")
        for caller in (Caller(PATIENT, other), Caller(PROFESSIONAL, "p-1", profession_code="10", rpps="10100000001")):
            error = error_of(lambda: identity.stub.UpdateContact(pb.UpdateContactRequest(
                account_id=account_id, postal_address="ailleurs"), metadata=identity.as_(caller)))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert identity.stub.GetAccount(pb.GetAccountRequest(account_id=account_id),
                                        metadata=identity.operator()).postal_address == "12 rue des Lilas, 75011 Paris"

    @pytest.mark.parametrize("fields, field", [
        ({}, "email"), ({"email": "pas-une-adresse"}, "email"), ({"postal_address": "x" * 501}, "postal_address"),
        ({"phone": "0" * 33}, "phone")])
    def test_bad_input_names_the_field(self, identity, fields, field):
        account_id = create(identity, "315")
        error = error_of(lambda: identity.stub.UpdateContact(pb.UpdateContactRequest(account_id=account_id, **fields),
                                                             metadata=identity.operator()))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {field}

    def test_unknown_profile(self, identity):
        error = error_of(lambda: identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id="00000000-0000-0000-0000-000000000000", email="a@example.fr"), metadata=identity.operator()))
        assert error.code() == grpc.StatusCode.NOT_FOUND

    def test_no_token(self, identity):
        error = error_of(lambda: identity.stub.UpdateContact(pb.UpdateContactRequest(account_id="me", email="a@b.fr")))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED


PASSWORD = "Lilas-Paris-1946!"


def activated(identity, order: str, email: str) -> str:
    nir = _nir("2", _patient()["birth_date"], "75", "056", order)
    created = identity.stub.CreateAccount(pb.CreateAccountRequest(**{**_patient(), "nir": nir}),
                                          metadata=identity.operator())
    identity.stub.ActivateAccount(pb.ActivateAccountRequest(
        provisional_code=created.provisional_code, nir=nir, vitale_serial=_patient()["vitale_serial"],
        login_id=f"jacqueline.{order}", password=PASSWORD, email=email, accept_terms=True))
    return created.account.account_id


def code_mailed_to(identity, address: str) -> tuple[str, str]:
    """(subject, 6-digit code) of the newest mail to `address`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mails = [m for m in read_mails(identity.mail_dir) if address in m["To"]]
        if mails:
            return mails[-1]["Subject"], re.search(r"\b(\d{6})\b", text_of(mails[-1])).group(1)
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}")


class TestEmailChange:
    def start(self, identity, account_id, new_email="nouvelle@example.fr", password=PASSWORD, caller=None):
        return identity.stub.StartEmailChange(pb.StartEmailChangeRequest(
            account_id="me", new_email=new_email, password=password),
            metadata=identity.as_(caller or Caller(PATIENT, account_id)))

    def confirm(self, identity, account_id, change_id, code):
        return identity.stub.ConfirmEmailChange(pb.ConfirmEmailChangeRequest(
            account_id="me", change_id=change_id, code=code), metadata=identity.as_(Caller(PATIENT, account_id)))

    def test_a_code_to_the_new_address_makes_it_hers_for_login_codes_and_notices(self, identity):
        account_id = activated(identity, "321", "ancienne@example.fr")
        started = self.start(identity, account_id)
        assert started.code_sent_to == "n***@example.fr"
        subject, code = code_mailed_to(identity, "nouvelle@example.fr")
        assert subject == "Confirmez votre nouvelle adresse e-mail Mon espace santé"
        assert self.confirm(identity, account_id, started.change_id, code).email == "nouvelle@example.fr"
        assert snapshot(identity, account_id, until=lambda r: r["email"] == "nouvelle@example.fr")
        login = identity.stub.StartLogin(pb.StartLoginRequest(login_id="jacqueline.321", password=PASSWORD))
        assert login.code_sent_to == "n***@example.fr"
        error = error_of(lambda: self.confirm(identity, account_id, started.change_id, code))   # single use
        assert (error.code(), details(error)[1]) == (grpc.StatusCode.PERMISSION_DENIED, "INVALID_CODE")

    def test_a_wrong_code_changes_nothing_and_five_end_the_change(self, identity):
        account_id = activated(identity, "322", "ancienne@example.fr")
        started = self.start(identity, account_id)
        _, code = code_mailed_to(identity, "nouvelle@example.fr")
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(5):
            error = error_of(lambda: self.confirm(identity, account_id, started.change_id, wrong))
            assert (error.code(), details(error)[1]) == (grpc.StatusCode.PERMISSION_DENIED, "INVALID_CODE")
        error = error_of(lambda: self.confirm(identity, account_id, started.change_id, code))
        assert details(error)[1] == "INVALID_CODE"
        assert identity.stub.GetAccount(pb.GetAccountRequest(account_id=account_id),
                                        metadata=identity.operator()).email == "ancienne@example.fr"

    def test_the_password_is_checked_like_at_login(self, identity):
        account_id = activated(identity, "323", "ancienne@example.fr")
        for _ in range(2):
            error = error_of(lambda: self.start(identity, account_id, password="Mauvais-Passe-2026!"))
            assert (error.code(), details(error)[1]) == (grpc.StatusCode.PERMISSION_DENIED, "INVALID_PASSWORD")
        error = error_of(lambda: self.start(identity, account_id, password="Mauvais-Passe-2026!"))
        assert (error.code(), details(error)[1]) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "ACCOUNT_LOCKED")
        assert not [m for m in read_mails(identity.mail_dir) if "nouvelle@example.fr" in m["To"]]

    def test_only_the_holder_of_an_activated_profile_with_a_new_valid_address(self, identity):
        account_id = activated(identity, "324", "ancienne@example.fr")
        other = activated(identity, "325", "autre@example.fr")
        for caller in (Caller(PATIENT, other), Caller(DELEGATE, other, on_behalf_of=account_id)):
            error = error_of(lambda: identity.stub.StartEmailChange(pb.StartEmailChangeRequest(
                account_id=account_id, new_email="nouvelle@example.fr", password=PASSWORD),
                metadata=identity.as_(caller)))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        for new_email, field in (("pas-une-adresse", "new_email"), ("ANCIENNE@example.fr", "new_email")):
            error = error_of(lambda: self.start(identity, account_id, new_email=new_email))
            assert (error.code(), details(error)[0]) == (grpc.StatusCode.INVALID_ARGUMENT, {field})
        not_activated = create(identity, "326")
        error = error_of(lambda: self.start(identity, not_activated))
        assert (error.code(), details(error)[1]) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_ACTIVATED")

    def test_someone_else_s_change_and_malformed_codes(self, identity):
        account_id = activated(identity, "327", "ancienne@example.fr")
        other = activated(identity, "328", "autre@example.fr")
        started = self.start(identity, account_id)
        _, code = code_mailed_to(identity, "nouvelle@example.fr")
        error = error_of(lambda: self.confirm(identity, other, started.change_id, code))
        assert details(error)[1] == "INVALID_CODE"
        for change_id, bad in ((started.change_id, "12ab56"), ("", "123456")):
            error = error_of(lambda: self.confirm(identity, account_id, change_id, bad))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert self.confirm(identity, account_id, started.change_id, code).email == "nouvelle@example.fr"
