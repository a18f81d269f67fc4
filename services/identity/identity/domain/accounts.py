"""Accounts and professionals: creation by an operator, activation by the person."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from meskit.auth import OPERATOR, PATIENT, DELEGATE, SUPPORT, Caller
from meskit import paging
from meskit.errors import (AlreadyExists, FailedPrecondition, FieldViolation, InvalidArgument, NotFound,
                          PermissionDenied, Violations)

from identity.domain import account_events, auditing, delegate_scope, directory, rules
from identity.domain.models import (ACCEPTED, ACTIVE, ANNOUNCED, CLOSED, CREATED, LEGAL_REPRESENTATION, OPPOSED, Account, Delegation,
                                    Professional)
from identity.domain.ports import Dependencies
from identity.domain.secrets import digest, new_provisional_code, normalise_provisional_code, same
from identity.domain.throttle import client_key, guard_client, record_client_failure

ACTIVATION_REFUSED = "Les informations saisies ne correspondent pas à un profil activable"


@dataclass(frozen=True)
class NewAccount:
    nir: str
    vitale_serial: str
    given_name: str
    family_name: str
    birth_date: str
    sex: str
    email: str = ""
    phone: str = ""
    postal_address: str = ""
    legal_representative_account_id: str = ""


def create_account(deps: Dependencies, caller: Caller, new: NewAccount) -> tuple[Account, str, datetime]:
    """The direct creation: the space exists at once (CREATED)."""
    caller.require(OPERATOR)
    birth = check_new_account(new)
    now = deps.now()
    with deps.unit_of_work() as repo:
        if repo.nir_exists(new.nir):
            raise AlreadyExists("Un profil existe déjà pour ce NIR")
        return add_account(deps, repo, caller, new, birth, now, status=CREATED)


def check_new_account(new: NewAccount) -> date:
    """The person's fields (INVALID_ARGUMENT naming each bad one); her birth date."""
    v = Violations()
    for name in ("given_name", "family_name", "sex"):
        v.require(getattr(new, name), name)
    if not rules.nir_is_valid(new.nir):
        v.add("nir", "NIR invalide : 15 caractères dont la clé de contrôle")
    if not rules.VITALE_SERIAL.match(new.vitale_serial):
        v.add("vitale_serial", "numéro de série de la carte Vitale : 8 à 13 chiffres")
    if new.sex and new.sex not in ("F", "M"):
        v.add("sex", "valeur attendue : F ou M")
    birth = rules.parse_birth_date(v, new.birth_date)
    rules.check_email(v, new.email, required=False)
    for name, limit in (("given_name", 100), ("family_name", 100), ("phone", 32), ("postal_address", 500)):
        v.max_length(getattr(new, name), name, limit)
    v.raise_if_any()
    assert birth is not None, "parse_birth_date adds a violation otherwise"
    return birth


def add_account(deps: Dependencies, repo, caller: Caller, new: NewAccount, birth: date, now: datetime, *,
                status: str, creation_due_at: datetime | None = None) -> tuple[Account, str, datetime]:
    """Writes a checked new account (its NIR not known yet), its provisional code, a minor's first
    legal representation, the creation notice and its audit record, in the caller's transaction."""
    code = new_provisional_code()
    expires_at = now + deps.policy.provisional_code_ttl
    account_id = str(uuid.uuid4())
    if new.legal_representative_account_id and repo.get_account(new.legal_representative_account_id) is None:
        raise NotFound("Représentant légal inconnu")
    repo.add_account(account_id=account_id, nir=new.nir, vitale_serial=new.vitale_serial,
                     given_name=new.given_name, family_name=new.family_name, birth_date=birth,
                     sex=new.sex, email=new.email or None, phone=new.phone or None,
                     postal_address=new.postal_address or None, status=status,
                     legal_representative_account_id=new.legal_representative_account_id or None,
                     created_at=now, creation_due_at=creation_due_at)
    if new.legal_representative_account_id:
        # the insurer's representative: the minor's first legal representation, in force at once
        repo.add_delegation(Delegation(delegation_id=str(uuid.uuid4()), type=LEGAL_REPRESENTATION,
                                       delegator_id=account_id, delegate_id=new.legal_representative_account_id,
                                       state=ACCEPTED, created_at=now, answered_at=now))
    repo.add_provisional_code(digest(code), account_id, expires_at)
    account = repo.get_account(account_id)
    assert account is not None, "created in this transaction"
    repo.add_notice(account_events.created(account, now, code, expires_at))
    repo.add_audit(auditing.account_created(caller, account, now))
    return account, code, expires_at


@dataclass(frozen=True)
class Activation:
    provisional_code: str
    nir: str
    vitale_serial: str
    login_id: str
    password: str
    email: str
    accept_terms: bool


def activate_account(deps: Dependencies, activation: Activation, client: str) -> Account:
    v = Violations()
    for name in ("provisional_code", "nir", "vitale_serial", "login_id", "password"):
        v.require(getattr(activation, name), name)
    if not activation.accept_terms:
        v.add("accept_terms", "l'acceptation des conditions générales d'utilisation est requise")
    rules.check_login_id(v, activation.login_id)
    rules.check_password(v, activation.password, [activation.login_id])
    rules.check_email(v, activation.email, required=True)
    v.raise_if_any()
    now = deps.now()
    guard_client(deps, client_key("activation", client), now)
    code_hash = digest(normalise_provisional_code(activation.provisional_code))
    password_hash = deps.hasher.hash(activation.password)
    with deps.unit_of_work() as repo:
        code = repo.get_provisional_code(code_hash)
        account = repo.get_account(code["account_id"], for_update=True) if code else None
        usable = (code is not None and code["used_at"] is None and code["expires_at"] > now
                  and code["failed_attempts"] < deps.policy.max_provisional_code_failures)
        matches = (account is not None and same(account.nir, activation.nir.upper())
                   and same(account.vitale_serial, activation.vitale_serial))
        if not usable or not matches:
            if code is not None and usable:
                repo.record_provisional_failure(code_hash)
            failure = True
        else:
            assert account is not None
            failure = False
            if account.status not in (CREATED, ANNOUNCED):
                raise FailedPrecondition("Un profil a déjà été activé", reason="ALREADY_ACTIVATED")
            if repo.login_id_taken(activation.login_id):
                raise AlreadyExists("Cet identifiant est déjà utilisé, choisissez-en un autre",
                                    reason="LOGIN_ID_TAKEN")
            personal = [account.given_name, account.family_name, account.birth_date.strftime("%d%m%Y")]
            rules_v = Violations()
            rules.check_password(rules_v, activation.password, personal)
            rules_v.raise_if_any()
            repo.use_provisional_code(code_hash, now)
            repo.add_credential(activation.login_id, PATIENT, account.account_id, password_hash, activation.email)
            repo.activate_account(account.account_id, activation.email, now)
            found = repo.get_account(account.account_id)
            assert found is not None, "activated in this transaction"
            activated = found
            repo.add_notice(account_events.changed(account_events.ACCOUNT_ACTIVATED, activated, now))
            repo.add_audit(auditing.account_activated(activated, now))
    if failure:
        record_client_failure(deps, client_key("activation", client), now)
        raise PermissionDenied(ACTIVATION_REFUSED, reason="ACTIVATION_REFUSED")
    return activated


def resolve_me(caller: Caller, account_id: str) -> str:
    """"me" (or nothing) names the caller's own space: a delegate's is the patient it acts for."""
    if account_id in ("", "me"):
        return caller.on_behalf_of if caller.actor_type == DELEGATE else caller.subject
    return account_id


def acts_for(caller: Caller, account_id: str) -> bool:
    """The patient themself, or a delegate acting on their behalf."""
    return ((caller.actor_type == PATIENT and caller.subject == account_id)
            or (caller.actor_type == DELEGATE and bool(caller.on_behalf_of) and caller.on_behalf_of == account_id))


def get_account(deps: Dependencies, caller: Caller, account_id: str) -> Account:
    account_id = resolve_me(caller, account_id)
    allowed = caller.actor_type in (OPERATOR, SUPPORT) or acts_for(caller, account_id)
    if not allowed:
        raise PermissionDenied("Vous n'avez pas accès à ce profil")
    with deps.reader() as repo:
        account = repo.read_account(account_id)   # the reply does not say who acts for her
    if account is None:
        raise NotFound("Profil introuvable")
    return account


@dataclass(frozen=True)
class ContactChange:
    """Empty fields stay as they are."""
    email: str = ""
    phone: str = ""
    postal_address: str = ""


def update_contact(deps: Dependencies, caller: Caller, account_id: str, change: ContactChange) -> Account:
    """The insurer's feed (operator) updates what it knows of a person until they activate their
    space; the holder then owns their email and phone, which change only with a code sent to the
    new address (DOMAIN.md §4.3: email_change.py; no SMS here), so here the holder changes their
    postal address only."""
    account_id = resolve_me(caller, account_id)
    operator = caller.actor_type == OPERATOR
    if acts_for(caller, account_id):
        delegate_scope.refuse_caregiver(deps, caller, delegate_scope.CONTACT)
    if not operator and not acts_for(caller, account_id):
        raise PermissionDenied("Vous n'avez pas accès à ce profil")
    v = Violations()
    if not (change.email or change.phone or change.postal_address):
        v.add("email", "indiquez au moins une coordonnée à modifier")
    rules.check_email(v, change.email, required=False)
    v.max_length(change.phone, "phone", 32)
    v.max_length(change.postal_address, "postal_address", 500)
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        account = repo.get_account(account_id, for_update=True)
        if account is None:
            raise NotFound("Profil introuvable")
        if account.status in (CLOSED, OPPOSED):
            raise FailedPrecondition("Ce profil est fermé", reason="ACCOUNT_CLOSED")
        if (change.email or change.phone) and (not operator or account.status == ACTIVE):
            raise FailedPrecondition("L'adresse e-mail du titulaire se change avec un code envoyé à la nouvelle "
                                     "adresse (StartEmailChange) ; son téléphone, avec un code envoyé par SMS",
                                     reason="CONTACT_VERIFICATION_REQUIRED")
        values = {k: getattr(change, k) for k in ("email", "phone", "postal_address") if getattr(change, k)}
        changed = [k for k, value in values.items() if getattr(account, k) != value]
        if not changed:
            return account
        repo.update_contact(account_id, **values)
        updated = repo.get_account(account_id)
        assert updated is not None, "updated in this transaction"
        now = deps.now()
        repo.add_notice(account_events.changed(account_events.CONTACT_CHANGED, updated, now))
        repo.add_audit(auditing.contact_changed(caller, account_id, changed, now))
    return updated


@dataclass(frozen=True)
class NewProfessional:
    rpps: str
    profession_code: str
    given_name: str
    family_name: str
    specialty: str = ""
    login_id: str = ""
    password: str = ""
    email: str = ""
    samu_regulator: bool = False
    occupational_medicine: bool = False
    insurer_doctor: bool = False
    mssante_address: str = ""
    city: str = ""


def create_professional(deps: Dependencies, caller: Caller, new: NewProfessional) -> Professional:
    caller.require(OPERATOR)
    v = Violations()
    v.require(new.given_name, "given_name")
    v.require(new.family_name, "family_name")
    for name, limit in (("given_name", 100), ("family_name", 100), ("specialty", 100), ("mssante_address", 254),
                        ("city", 100)):
        v.max_length(getattr(new, name), name, limit)
    if not rules.RPPS.match(new.rpps):
        v.add("rpps", "numéro RPPS : 11 chiffres")
    if new.profession_code not in rules.PROFESSION_CODES:
        v.add("profession_code", "code profession inconnu (nomenclature TRE_G15)")
    if new.login_id or new.password:
        rules.check_login_id(v, new.login_id)
        rules.check_password(v, new.password, [new.given_name, new.family_name, new.login_id])
        rules.check_email(v, new.email, required=True)
    else:
        rules.check_email(v, new.email, required=False)
    v.raise_if_any()
    professional_id = str(uuid.uuid4())
    password_hash = deps.hasher.hash(new.password) if new.password else None
    with deps.unit_of_work() as repo:
        if repo.rpps_exists(new.rpps):
            raise AlreadyExists("Ce numéro RPPS est déjà enregistré")
        if new.login_id and repo.login_id_taken(new.login_id):
            raise AlreadyExists("Cet identifiant est déjà utilisé", reason="LOGIN_ID_TAKEN")
        repo.add_professional(professional_id=professional_id, rpps=new.rpps,
                              profession_code=new.profession_code, given_name=new.given_name,
                              family_name=new.family_name, specialty=new.specialty,
                              email=new.email or None, mssante_address=new.mssante_address or None,
                              samu_regulator=new.samu_regulator,
                              occupational_medicine=new.occupational_medicine,
                              insurer_doctor=new.insurer_doctor, city=new.city)
        if password_hash:
            repo.add_credential(new.login_id, "professional", professional_id, password_hash, new.email)
        created = repo.get_professional(professional_id)
        assert created is not None, "created in this transaction"
        return created


def get_professional(deps: Dependencies, caller: Caller, professional_id: str) -> Professional:
    with deps.unit_of_work() as repo:
        professional = repo.get_professional(professional_id)
    if professional is None:
        raise NotFound("Professionnel introuvable")
    return directory.shown_to(caller, professional)


def is_active(account: Account) -> bool:
    return account.status == ACTIVE


def count_by_status(deps: Dependencies, caller: Caller) -> dict[str, int]:
    """Operators see where the spaces are: pending, opposed, created, active, closed..."""
    caller.require(OPERATOR, SUPPORT)
    with deps.unit_of_work() as repo:
        return repo.count_by_status()


def list_accounts(deps: Dependencies, caller: Caller, status: str, page_size: int,
                  page_token: str) -> tuple[list[Account], str]:
    caller.require(OPERATOR, SUPPORT)
    if not status:
        raise InvalidArgument("Requête invalide", violations=[FieldViolation("status", "champ obligatoire")])
    offset, limit = paging.page(page_size, page_token)
    with deps.unit_of_work() as repo:
        found = repo.accounts_in(status, offset, limit + 1)
    return found[:limit], paging.next_token(offset, limit, len(found))
