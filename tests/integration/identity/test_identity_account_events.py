"""Account events reach notifications through identity's outbox, with the person's contact snapshot;
UpdateContact: who may change what, and the errors of bad input."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as pb
from mes.notifications.v1 import notifications_pb2 as npb

from devtools.demo import _nir, _patient
from devtools.eventually import eventually
from devtools.print_files import letters_of
from devtools.smtp_sink import read_mails, text_of
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, SERVICE, Caller

from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of


def query(url: str, sql: str, **params) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]
    finally:
        engine.dispose()


def create(identity, order: str, birth: str | None = None, **extra) -> str:
    return create_with_code(identity, order, birth, **extra).account.account_id


def create_with_code(identity, order: str, birth: str | None = None, **extra) -> pb.CreateAccountResponse:
    birth = birth or _patient()["birth_date"]
    fields = {**_patient(), "birth_date": birth, "nir": _nir("2", birth, "75", "056", order), **extra}
    return identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=identity.operator())


def deliveries(identity, account_id: str, event_type: str) -> list[tuple[str, str]]:
    """(channel, state) of what notifications planned for the person, as an operator lists it."""
    reply = identity.notifications.ListRecipientDeliveries(npb.ListRecipientDeliveriesRequest(
        recipient_id=account_id, event_type=event_type), metadata=identity.operator())
    return [(npb.Channel.Name(d.status.channel), npb.DeliveryState.Name(d.status.state)) for d in reply.deliveries]


def known(identity, account_id: str) -> None:
    """Notifications has the person (identity's relay polls its outbox every 0.5 s)."""
    eventually(lambda: deliveries(identity, account_id, "ACCOUNT_CREATED"), what=f"the creation notice of {account_id}")


def relayed(identity, account_id: str) -> None:
    """Identity's relay has handed every event of the account to notifications: its outbox holds none."""
    eventually(lambda: not query(identity.database_url, "SELECT 1 FROM outbox WHERE aggregate_id = :a "
                                 "AND published_at IS NULL", a=account_id), what=f"the events of {account_id} relayed")


def letters(identity) -> dict[str, str]:
    """recipient id -> the text of her letter, from a print file made now."""
    batch = identity.notifications.RunLetterBatch(npb.RunLetterBatchRequest(), metadata=identity.operator(),
                                                  timeout=60)
    texts = letters_of(batch)
    return {letter.recipient_id: texts[letter.letter_id] for letter in batch.letters}


def notice_mailed(identity, account_id: str, address: str) -> str:
    """A document notice for the person, as documents publishes it; the text of the mail it makes to `address`."""
    before = len(mails_to(identity, address))
    identity.notifications.PublishEvent(npb.PublishEventRequest(
        event_id=str(uuid.uuid4()), event_type="AJOUT_DOCUMENT", patient_id=account_id,
        payload_json=json.dumps({"actor_display": "Dr Claire Bernard"})), metadata=identity.as_(Caller(SERVICE, "documents")))
    found = eventually(lambda: mails_to(identity, address)[before:], what=f"a notice mailed to {address}")
    return text_of(found[-1])


def mails_to(identity, address: str) -> list:
    return [m for m in read_mails(identity.mail_dir) if m["To"] == address]


def test_creation_tells_notifications_who_she_is_and_plans_the_creation_letter(identity):
    created = create_with_code(identity, "301")
    account_id = created.account.account_id
    known(identity, account_id)
    # No email yet, not activated: the creation notice waits for the next letter batch.
    assert deliveries(identity, account_id, "ACCOUNT_CREATED") == [("CHANNEL_POSTAL", "DELIVERY_STATE_PENDING")]
    letter = letters(identity)[account_id]
    assert "Jacqueline Martin" in letter and "12 rue des Lilas" in letter and "75011 Paris" in letter
    assert created.provisional_code in letter and "Opposition possible jusqu'au" in letter
    assert deliveries(identity, account_id, "ACCOUNT_CREATED") == [("CHANNEL_POSTAL", "DELIVERY_STATE_SENT")]
    # The code is in identity's outbox only until notifications has it.
    eventually(lambda: query(identity.database_url, "SELECT 1 FROM outbox WHERE aggregate_id = :a",
                             a=account_id) == [], what="the code gone from identity's outbox")


def test_a_minor_is_known_with_the_legal_representative_who_reads_her_notices(identity):
    parent = create(identity, "302")
    birth = date(date.today().year - 6, 1, 15)
    child = create(identity, "303", birth.isoformat(), given_name="Léa", legal_representative_account_id=parent)
    known(identity, parent)

    def counts():
        reply = identity.notifications.GetUnreadCounts(npb.GetUnreadCountsRequest(),
                                                       metadata=identity.as_(Caller(PATIENT, parent)))
        return [(c.profile_id, c.relation, c.given_name) for c in reply.counts]
    # A legal representative reads a child's notices until her majority only: the child is known as a minor.
    assert eventually(lambda: len(counts()) == 2 and counts())[1] == (child, "LEGAL_REPRESENTATIVE", "Léa")


def test_activation_gives_notifications_her_email(identity):
    created = identity.stub.CreateAccount(pb.CreateAccountRequest(
        **{**_patient(), "nir": _nir("2", _patient()["birth_date"], "75", "056", "304")}), metadata=identity.operator())
    known(identity, created.account.account_id)
    identity.stub.ActivateAccount(pb.ActivateAccountRequest(
        provisional_code=created.provisional_code, nir=_nir("2", _patient()["birth_date"], "75", "056", "304"),
        vitale_serial=_patient()["vitale_serial"], login_id="jacqueline.events", password="Lilas-Paris-1946!",
        email="jacqueline.events@example.fr", accept_terms=True))
    relayed(identity, created.account.account_id)
    assert "Un nouveau document a été ajouté" in notice_mailed(identity, created.account.account_id, "jacqueline.events@example.fr")


class TestUpdateContact:
    def test_the_insurer_feed_gives_an_email_to_a_profile_not_yet_activated(self, identity):
        account_id = create(identity, "311")
        updated = identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id=account_id, email="jacqueline@example.fr"), metadata=identity.operator())
        assert updated.email == "jacqueline@example.fr"
        assert updated.postal_address == "12 rue des Lilas, 75011 Paris"     # empty fields stay
        relayed(identity, account_id)
        assert "Un nouveau document a été ajouté" in notice_mailed(identity, account_id, "jacqueline@example.fr")

    def test_the_holder_changes_her_postal_address_not_her_email(self, identity):
        account_id = create(identity, "312")
        me = identity.as_(Caller(PATIENT, account_id))
        moved = identity.stub.UpdateContact(pb.UpdateContactRequest(
            account_id="me", postal_address="3 place du Marché, 69002 Lyon"), metadata=me)
        assert moved.postal_address == "3 place du Marché, 69002 Lyon"
        relayed(identity, account_id)
        assert "3 place du Marché" in letters(identity)[account_id]
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
    mail = eventually(lambda: mails_to(identity, address), what=f"a mail to {address}")[-1]
    return mail["Subject"], re.search(r"\b(\d{6})\b", text_of(mail)).group(1)


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
        relayed(identity, account_id)
        assert "Un nouveau document a été ajouté" in notice_mailed(identity, account_id, "nouvelle@example.fr")
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
