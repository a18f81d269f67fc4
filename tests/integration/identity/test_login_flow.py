"""Identity over real gRPC: creation, activation, login with a mailed code, tokens, lockout."""
from __future__ import annotations

import re

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import PROFESSIONALS, _patient
from devtools.rpc_errors import error_of
from devtools.smtp_sink import read_mails, text_of
from meskit.auth import TokenSigner, TokenVerifier, Caller, generate_private_key_pem
import json

PASSWORD = "Lilas-Paris-1946!"


def create_patient(identity, **overrides):
    fields = {**_patient(), **overrides}
    return identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=identity.operator())


def activate(identity, created, login_id="jacqueline.martin", password=PASSWORD, **overrides):
    patient = _patient()
    request = dict(provisional_code=created.provisional_code, nir=patient["nir"],
                   vitale_serial=patient["vitale_serial"], login_id=login_id, password=password,
                   email="jacqueline@example.fr", accept_terms=True)
    request.update(overrides)
    return identity.stub.ActivateAccount(pb.ActivateAccountRequest(**request))


def last_code(identity) -> str:
    return re.search(r"\b(\d{6})\b", text_of(read_mails(identity.mail_dir)[-1])).group(1)


def login(identity, login_id="jacqueline.martin", password=PASSWORD):
    started = identity.stub.StartLogin(pb.StartLoginRequest(login_id=login_id, password=password))
    return identity.stub.CompleteLogin(pb.CompleteLoginRequest(challenge_id=started.challenge_id,
                                                               code=last_code(identity)))



class TestAccountCreation:
    def test_operator_creates_account_with_provisional_code(self, identity):
        created = create_patient(identity)
        assert len(created.provisional_code) == 12
        assert created.account.status == pb.ACCOUNT_STATUS_CREATED

    def test_patient_token_cannot_create_accounts(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        error = error_of(lambda: identity.stub.CreateAccount(
            pb.CreateAccountRequest(**_patient()), metadata=[("authorization", f"Bearer {session.access_token}")]))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_rejects_invalid_nir_and_names_the_field(self, identity):
        error = error_of(lambda: create_patient(identity, nir="246037505612399"))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "nir" in str(error.trailing_metadata())

    def test_duplicate_nir_is_refused(self, identity):
        create_patient(identity)
        assert error_of(lambda: create_patient(identity)).code() == grpc.StatusCode.ALREADY_EXISTS

    def test_professional_with_rpps_and_profession(self, identity):
        professional = identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
            **PROFESSIONALS["physiotherapist"], password=PASSWORD), metadata=identity.operator())
        assert (professional.rpps, professional.profession_code) == ("10109876543", "70")
        assert error_of(lambda: identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
            rpps="123", profession_code="99", given_name="A", family_name="B"),
            metadata=identity.operator())).code() == grpc.StatusCode.INVALID_ARGUMENT


class TestActivation:
    def test_activates_with_code_nir_and_vitale(self, identity):
        created = create_patient(identity)
        activated = activate(identity, created)
        assert activated.account.status == pb.ACCOUNT_STATUS_ACTIVE
        assert activated.account.login_id == "jacqueline.martin"

    def test_code_is_single_use(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        error = error_of(lambda: activate(identity, created, login_id="another.login"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_wrong_vitale_serial_is_refused_like_an_unknown_code(self, identity):
        created = create_patient(identity)
        wrong_serial = error_of(lambda: activate(identity, created, vitale_serial="40123456780"))
        unknown_code = error_of(lambda: activate(identity, created, provisional_code="ZZZZZZZZZZZZ"))
        assert wrong_serial.code() == unknown_code.code() == grpc.StatusCode.PERMISSION_DENIED
        assert wrong_serial.details() == unknown_code.details()

    @pytest.mark.parametrize("password", ["Court1!", "alllowercase1!", "ALLUPPER1!X", "NoDigits!!x", "NoSpecial12x"])
    def test_weak_passwords_are_refused(self, identity, password):
        created = create_patient(identity)
        error = error_of(lambda: activate(identity, created, password=password))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT

    def test_login_id_rules(self, identity):
        created = create_patient(identity)
        for login_id in ("short", "jacqueline@example.fr", "jacquéline.m"):
            assert error_of(lambda: activate(identity, created, login_id=login_id)).code() == \
                grpc.StatusCode.INVALID_ARGUMENT


class TestLogin:
    def test_password_then_mailed_code_gives_tokens_that_read_own_account(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        mail = read_mails(identity.mail_dir)[-1]
        assert mail["To"] == "jacqueline@example.fr" and mail["Message-ID"]
        assert mail.get_body(preferencelist=("html",)) is not None
        account = identity.stub.GetAccount(pb.GetAccountRequest(account_id="me"),
                                           metadata=[("authorization", f"Bearer {session.access_token}")])
        assert account.account_id == created.account.account_id

    def test_own_account_is_read_as_it_is_now_with_its_login_id(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        metadata = [("authorization", f"Bearer {session.access_token}")]
        read = lambda: identity.stub.GetAccount(pb.GetAccountRequest(account_id="me"), metadata=metadata)  # noqa: E731
        before = read()
        assert before.login_id == "jacqueline.martin" and before.status == pb.ACCOUNT_STATUS_ACTIVE
        assert before.activated_at.seconds > 0 and before.email == "jacqueline@example.fr"
        identity.stub.UpdateContact(pb.UpdateContactRequest(account_id="me", postal_address="2 rue Haute"),
                                    metadata=metadata)
        assert read().postal_address == "2 rue Haute"     # nothing kept between reads
        assert error_of(lambda: identity.stub.GetAccount(
            pb.GetAccountRequest(account_id="me"), metadata=[("authorization", "Bearer x.y.z")])).code() \
            == grpc.StatusCode.UNAUTHENTICATED

    def test_a_patient_cannot_read_another_account(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        error = error_of(lambda: identity.stub.GetAccount(
            pb.GetAccountRequest(account_id="00000000-0000-0000-0000-000000000000"),
            metadata=[("authorization", f"Bearer {session.access_token}")]))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_unknown_login_and_wrong_password_answer_the_same(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        wrong = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
            login_id="jacqueline.martin", password="Wrong-Password-1")))
        unknown = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
            login_id="nobody.at.all", password="Wrong-Password-1")))
        assert wrong.code() == unknown.code() == grpc.StatusCode.UNAUTHENTICATED
        assert wrong.details() == unknown.details()

    def test_repeated_wrong_passwords_lock_even_the_right_one(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        for _ in range(3):   # LOCKOUT_MAX_FAILURES=3 in the fixture
            error = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
                login_id="jacqueline.martin", password="Wrong-Password-1")))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "bloquée" in error.details()
        locked = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
            login_id="jacqueline.martin", password=PASSWORD)))
        assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    def test_unknown_login_ids_lock_like_known_ones(self, identity):
        for _ in range(3):
            error = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
                login_id="nobody.at.all", password="Wrong-Password-1")))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    def test_repeated_wrong_codes_lock_the_login(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        started = identity.stub.StartLogin(pb.StartLoginRequest(login_id="jacqueline.martin", password=PASSWORD))
        right = last_code(identity)
        wrong = "000000" if right != "000000" else "111111"
        codes = []
        for _ in range(3):
            codes.append(error_of(lambda: identity.stub.CompleteLogin(
                pb.CompleteLoginRequest(challenge_id=started.challenge_id, code=wrong))).code())
        assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED
        late = error_of(lambda: identity.stub.CompleteLogin(
            pb.CompleteLoginRequest(challenge_id=started.challenge_id, code=right)))
        assert late.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAUTHENTICATED)

    def test_code_is_single_use(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        started = identity.stub.StartLogin(pb.StartLoginRequest(login_id="jacqueline.martin", password=PASSWORD))
        code = last_code(identity)
        identity.stub.CompleteLogin(pb.CompleteLoginRequest(challenge_id=started.challenge_id, code=code))
        again = error_of(lambda: identity.stub.CompleteLogin(
            pb.CompleteLoginRequest(challenge_id=started.challenge_id, code=code)))
        assert again.code() == grpc.StatusCode.UNAUTHENTICATED


class TestRefreshTokens:
    def test_rotation_and_reuse_revokes_the_family(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        first = login(identity)
        second = identity.stub.RefreshSession(pb.RefreshSessionRequest(refresh_token=first.refresh_token))
        assert second.refresh_token != first.refresh_token
        reuse = error_of(lambda: identity.stub.RefreshSession(
            pb.RefreshSessionRequest(refresh_token=first.refresh_token)))
        assert reuse.code() == grpc.StatusCode.UNAUTHENTICATED
        # the legitimate newest token is dead too: the family was revoked
        assert error_of(lambda: identity.stub.RefreshSession(
            pb.RefreshSessionRequest(refresh_token=second.refresh_token))).code() == grpc.StatusCode.UNAUTHENTICATED

    def test_logout_revokes(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        identity.stub.Logout(pb.LogoutRequest(refresh_token=session.refresh_token))
        assert error_of(lambda: identity.stub.RefreshSession(
            pb.RefreshSessionRequest(refresh_token=session.refresh_token))).code() == grpc.StatusCode.UNAUTHENTICATED


class TestTokensAtTheService:
    """The service verifies tokens itself, whatever the gateway did."""

    def _call(self, identity, token):
        return error_of(lambda: identity.stub.GetAccount(pb.GetAccountRequest(account_id="me"),
                                                         metadata=[("authorization", f"Bearer {token}")]))

    def test_bad_signature(self, identity):
        forged = TokenSigner(generate_private_key_pem(), issuer="mes-identity", audience="mes-api", ttl_seconds=60)
        assert self._call(identity, forged.sign(Caller("patient", "x"))[0]).code() == grpc.StatusCode.UNAUTHENTICATED

    def test_expired(self, identity):
        signer = TokenSigner(identity.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=60)
        token, _ = signer.sign(Caller("patient", "x"), now=1_000_000)
        error = self._call(identity, token)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED and "expiré" in error.details()

    def test_other_audience(self, identity):
        signer = TokenSigner(identity.key_file.read_bytes(), issuer="mes-identity", audience="other-api", ttl_seconds=60)
        assert self._call(identity, signer.sign(Caller("patient", "x"))[0]).code() == grpc.StatusCode.UNAUTHENTICATED

    def test_missing_token(self, identity):
        error = error_of(lambda: identity.stub.GetAccount(pb.GetAccountRequest(account_id="me")))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED

    def test_jwks_is_public_and_verifies_issued_tokens(self, identity):
        created = create_patient(identity)
        activate(identity, created)
        session = login(identity)
        jwks = json.loads(identity.stub.GetJwks(pb.GetJwksRequest()).jwks_json)
        caller = TokenVerifier(lambda: jwks, issuer="mes-identity", audience="mes-api").verify(session.access_token)
        assert caller.subject == created.account.account_id and caller.actor_type == "patient"


class TestOversizedInput:
    @pytest.mark.parametrize("field, value", [("given_name", "A" * 101), ("family_name", "B" * 101),
                                              ("phone", "0" * 33), ("postal_address", "x" * 501),
                                              ("email", "a" * 250 + "@example.fr")])
    def test_each_oversized_field_is_named(self, identity, field, value):
        error = error_of(lambda: create_patient(identity, **{field: value}))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in str(error.trailing_metadata())

    def test_a_message_over_the_server_limit_is_refused(self, identity):
        error = error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(
            login_id="x", password="y" * (9 * 1024 * 1024))))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
