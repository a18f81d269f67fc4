"""Identity's audit records (meskit.audit): every change of an account, a login, an access setting or
the care team, for the holder's activity history (group GENERAL), written to the outbox with the
change and relayed to audit (meskit.relay).

Who acted is the caller (a delegate with on_behalf_of, a professional administrator or declaring
professional with their name); `rule` says what allowed or refused it; the label, in French for the
patient, says what changed (flags before and after, the professional's name). Never a password, a
code or a token: an email address appears masked.
"""
from __future__ import annotations

from datetime import datetime

from meskit import audit
from meskit.audit import GENERAL, SETTINGS_CHANGE, AuditRecord
from meskit.auth import OPERATOR, PATIENT, PROFESSIONAL, SERVICE, Caller
from meskit.pdf import PARIS, french_date

from identity.domain import rules
from identity.domain.models import Account, EmergencySettings, Professional

LOGIN, LOGOUT, ACCOUNT_CHANGE = "LOGIN", "LOGOUT", "ACCOUNT_CHANGE"       # audit.v1 Action names
ACCOUNT, SESSION, ACCESS_SETTINGS, BLOCKED_PROFESSIONAL, CARE_TEAM = (
    "account", "session", "access_settings", "blocked_professional", "care_team")
# What allowed or refused the change (the record's rule).
HOLDER, ADMINISTRATOR, OPERATOR_FEED, DECLARATION = "holder", "care_team_administrator", "operator", "care_consent_declaration"
PASSWORD_AND_CODE, WRONG_PASSWORD, WRONG_CODE, LOCKED_OUT = "password_and_code", "wrong_password", "wrong_code", "locked_out"
SESSION_CLOSED, REFRESH_TOKEN_REUSED = "session_closed", "refresh_token_reused"
OPT_OUT_DEADLINE = "opt_out_deadline"
IDENTITY = Caller(SERVICE, "identity")
CONTACT_FIELDS = {"email": "adresse e-mail", "phone": "téléphone", "postal_address": "adresse postale"}
EMERGENCY_FLAGS = (("samu_access", "SAMU – Centre 15"), ("break_glass", "bris de glace"),
                   ("masked_in_emergency", "documents masqués visibles en urgence"))


def _record(caller: Caller, now: datetime, *, action: str, patient_id: str, resource_type: str, label: str,
            rule: str, allowed: bool = True, resource_id: str = "",
            professional: Professional | None = None) -> AuditRecord:
    acting = professional if professional is not None and caller.actor_type == PROFESSIONAL else None
    return audit.record(caller, group=GENERAL, resource_type=resource_type, action=action, patient_id=patient_id,
                        allowed=allowed, rule=rule, now=now, resource_id=resource_id, resource_label=label,
                        display_name=name_of(acting) if acting else "",
                        profession_code=acting.profession_code if acting else "", rpps=acting.rpps if acting else "")


def name_of(professional: Professional) -> str:
    return f"{professional.given_name} {professional.family_name}".strip()


def _on_off(value: bool) -> str:
    return "autorisé" if value else "refusé"


# ---- accounts ----
def account_created(caller: Caller, account: Account, now: datetime) -> AuditRecord:
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account.account_id, resource_type=ACCOUNT,
                   resource_id=account.account_id, rule=OPERATOR_FEED, label="Création de votre profil Mon espace santé")


def account_activated(account: Account, now: datetime) -> AuditRecord:
    return _record(Caller(PATIENT, account.account_id), now, action=ACCOUNT_CHANGE, patient_id=account.account_id,
                   resource_type=ACCOUNT, resource_id=account.account_id, rule=HOLDER,
                   label="Activation de votre profil Mon espace santé")


def opposition_recorded(caller: Caller, account_id: str, channel_label: str, now: datetime) -> AuditRecord:
    """Online the person herself, by phone the operator (their id is the record's actor)."""
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=OPERATOR_FEED if caller.actor_type == OPERATOR else HOLDER,
                   label=f"Opposition à la création de votre profil Mon espace santé, {channel_label}")


def space_created(account_id: str, now: datetime) -> AuditRecord:
    return _record(IDENTITY, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=OPT_OUT_DEADLINE,
                   label="Création de votre profil Mon espace santé, sans opposition dans les 6 semaines")


def contact_changed(caller: Caller, account_id: str, fields: list[str], now: datetime) -> AuditRecord:
    what = ", ".join(CONTACT_FIELDS[f] for f in fields)
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=OPERATOR_FEED if caller.actor_type == OPERATOR else HOLDER,
                   label=f"Modification de vos coordonnées : {what}")


def email_change(caller: Caller, account_id: str, now: datetime, *, step: str, new_email: str = "",
                 refused: str = "") -> AuditRecord:
    """`step`: "start" (code sent to the new address) or "confirm"; `refused`: WRONG_PASSWORD,
    WRONG_CODE or LOCKED_OUT."""
    masked = rules.mask_email(new_email) if new_email else ""
    if refused:
        reason = {WRONG_PASSWORD: "mot de passe incorrect", WRONG_CODE: "code incorrect ou expiré",
                  LOCKED_OUT: "trop de tentatives incorrectes, connexion bloquée"}[refused]
        label = f"Changement d'adresse e-mail refusé : {reason}"
    elif step == "start":
        label = f"Demande de changement d'adresse e-mail : code envoyé à {masked}"
    else:
        label = f"Adresse e-mail modifiée : {masked}"
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=refused or HOLDER, allowed=not refused, label=label)


# ---- sessions ----
LOGIN_LABELS = {PASSWORD_AND_CODE: "Connexion à votre profil",
                WRONG_PASSWORD: "Tentative de connexion refusée : mot de passe incorrect",
                WRONG_CODE: "Tentative de connexion refusée : code de connexion incorrect ou expiré",
                LOCKED_OUT: "Connexion bloquée après plusieurs tentatives incorrectes"}


def login(subject: Caller, now: datetime, rule: str, professional: Professional | None = None) -> AuditRecord:
    """A login of a patient (in her history) or a professional (no patient: operators search by actor)."""
    return _record(subject, now, action=LOGIN, patient_id=subject.subject if subject.actor_type == PATIENT else "",
                   resource_type=SESSION, rule=rule, allowed=rule == PASSWORD_AND_CODE, label=LOGIN_LABELS[rule],
                   professional=professional)


def session_ended(subject: Caller, now: datetime, *, reused: bool) -> AuditRecord:
    """Logout, or every session of a family closed because a rotated refresh token came back."""
    patient_id = subject.subject if subject.actor_type == PATIENT else ""
    if reused:
        return _record(IDENTITY, now, action=LOGOUT, patient_id=patient_id, resource_type=SESSION,
                       rule=REFRESH_TOKEN_REUSED, allowed=False,
                       label="Session fermée par sécurité : un ancien jeton de session a été présenté de nouveau")
    return _record(subject, now, action=LOGOUT, patient_id=patient_id, resource_type=SESSION, rule=SESSION_CLOSED,
                   label="Déconnexion")


# ---- access settings and care team ----
def emergency_changed(caller: Caller, patient_id: str, before: EmergencySettings, after: EmergencySettings,
                      now: datetime, *, masked_forced_off: bool) -> AuditRecord:
    parts = []
    for name, text in EMERGENCY_FLAGS:
        old, new = getattr(before, name), getattr(after, name)
        parts.append(f"{text} : {_on_off(old)} → {_on_off(new)}" if old != new else f"{text} : {_on_off(new)}")
    forced = " (refusé d'office quand les deux accès en urgence sont refusés)" if masked_forced_off else ""
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=ACCESS_SETTINGS,
                   resource_id="emergency", rule=HOLDER, label="Accès en urgence modifiés : " + " ; ".join(parts) + forced)


def mask_by_default_changed(caller: Caller, patient_id: str, mask: bool, now: datetime) -> AuditRecord:
    state = "activé" if mask else "désactivé"
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=ACCESS_SETTINGS,
                   resource_id="mask_new_documents_by_default", rule=HOLDER,
                   label=f"Masquage par défaut des nouveaux documents aux professionnels : {state}")


def blocked(caller: Caller, patient_id: str, target: Professional, now: datetime, *, acting: Professional | None,
            removed_from_care_team: bool, was_administrator: bool) -> AuditRecord:
    also = ""
    if removed_from_care_team:
        also = " ; retiré(e) de votre équipe de soins" + (" (était administrateur)" if was_administrator else "")
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=BLOCKED_PROFESSIONAL,
                   resource_id=target.professional_id, rule=ADMINISTRATOR if acting else HOLDER, professional=acting,
                   label=f"Blocage de l'accès de {name_of(target)} à votre dossier{also}")


def unblocked(caller: Caller, patient_id: str, target: Professional | None, professional_id: str,
              now: datetime) -> AuditRecord:
    who = name_of(target) if target else "un professionnel"
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=BLOCKED_PROFESSIONAL,
                   resource_id=professional_id, rule=HOLDER,
                   label=f"Déblocage de {who} : il devra de nouveau recueillir votre consentement pour accéder à votre dossier")


ROLE_LABELS = {"": "", "MEDECIN_TRAITANT": "médecin traitant", "SAGE_FEMME_REFERENTE": "sage-femme référente",
               "PHARMACIEN_CORRESPONDANT": "pharmacien correspondant"}


def care_team_saved(caller: Caller, patient_id: str, target: Professional, now: datetime, *, role: str,
                    administrator: bool, new: bool) -> AuditRecord:
    details = [d for d in (ROLE_LABELS.get(role, role), "administrateur" if administrator else "") if d]
    suffix = f" ({', '.join(details)})" if details else ""
    what = "Ajout de" if new else "Modification du rôle de"
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=CARE_TEAM,
                   resource_id=target.professional_id, rule=HOLDER,
                   label=f"{what} {name_of(target)} dans votre équipe de soins{suffix}")


def care_team_removed(caller: Caller, patient_id: str, target: Professional | None, professional_id: str,
                      now: datetime, *, was_administrator: bool) -> AuditRecord:
    who = name_of(target) if target else "un professionnel"
    admin = " (était administrateur)" if was_administrator else ""
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=CARE_TEAM,
                   resource_id=professional_id, rule=HOLDER, label=f"Retrait de {who} de votre équipe de soins{admin}")


def consent_declared(caller: Caller, patient_id: str, professional: Professional, now: datetime) -> AuditRecord:
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=CARE_TEAM,
                   resource_id=professional.professional_id, rule=DECLARATION, professional=professional,
                   label=f"{name_of(professional)} déclare avoir recueilli votre consentement lors d'un soin "
                         "et rejoint votre équipe de soins")


# ---- delegations (DOMAIN §3.3, §3.4) ----
DELEGATION = "delegation"
KIND_LABELS = {"LEGAL_REPRESENTATION": "représentant légal", "CAREGIVING": "aidant"}


def delegation_changed(caller: Caller, delegation, now: datetime, *, what: str, delegate_name: str) -> AuditRecord:
    """In the history of the person helped (or the minor): an invitation, an answer, a revocation."""
    kind = KIND_LABELS.get(delegation.type, delegation.type)
    labels = {"invited": f"Invitation de {delegate_name} comme {kind}",
              "accepted": f"{delegate_name} a accepté d'être {kind}",
              "refused": f"{delegate_name} a refusé d'être {kind}",
              "revoked": f"Fin de l'accès de {delegate_name} ({kind})"}
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=delegation.delegator_id, resource_type=DELEGATION,
                   resource_id=delegation.delegation_id, rule=HOLDER, label=labels[what])


def profile_switched(acting: Caller, patient_id: str, now: datetime, *, delegate_name: str, kind: str) -> AuditRecord:
    """A delegate switched to the profile: her token names both (the record's actor and on_behalf_of)."""
    return _record(acting, now, action=LOGIN, patient_id=patient_id, resource_type=SESSION, rule=DELEGATION,
                   label=f"{delegate_name} accède à votre profil ({KIND_LABELS.get(kind, kind)})")


# ---- delegations ending by themselves, a caregiving's end date (DOMAIN §10.5) ----
SCHEDULED_END = "scheduled_end"
ENDED_LABELS = {"MAJORITY": "vous avez 18 ans, la représentation légale a pris fin",
                "END_DATE": "date de fin atteinte", "UNUSED": "accès non utilisé depuis 5 ans"}


def delegation_ended(delegation, now: datetime, *, reason: str, delegate_name: str) -> AuditRecord:
    """In the history of the person helped (or the young adult): identity ended it by itself."""
    kind = KIND_LABELS.get(delegation.type, delegation.type)
    return _record(IDENTITY, now, action=SETTINGS_CHANGE, patient_id=delegation.delegator_id,
                   resource_type=DELEGATION, resource_id=delegation.delegation_id, rule=SCHEDULED_END,
                   label=f"Fin de l'accès de {delegate_name} ({kind}) : {ENDED_LABELS[reason]}")


def delegation_end_date_set(caller: Caller, delegation, now: datetime, *, delegate_name: str,
                            last_day: str) -> AuditRecord:
    """`last_day`: the last day in force (JJ/MM/AAAA), empty when the end date was removed."""
    kind = KIND_LABELS.get(delegation.type, delegation.type)
    label = (f"Date de fin de l'accès de {delegate_name} ({kind}) : jusqu'au {last_day} inclus" if last_day
             else f"Date de fin de l'accès de {delegate_name} ({kind}) supprimée")
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=delegation.delegator_id, resource_type=DELEGATION,
                   resource_id=delegation.delegation_id, rule=HOLDER, label=label)


# ---- closure, delegate scope, support's legal representations (DOMAIN §3.3, §3.4, §4.4) ----
LEGAL_REPRESENTATIVE, OUTSIDE_DELEGATE_SCOPE, SUPPORT_ON_PROOF, ACCOUNT_CLOSED_RULE = (
    "legal_representative", "outside_delegate_scope", "support_on_proof", "account_closed")


def account_closed(caller: Caller, account_id: str, now: datetime, *, representative_name: str = "",
                   erase_on: datetime | None = None) -> AuditRecord:
    """In the closed space's history; by the holder or one of a minor's legal representatives."""
    by = f" par {representative_name} (représentant légal)" if representative_name else ""
    if erase_on is not None:
        by += f", suppression des données le {french_date(erase_on.astimezone(PARIS).date())}"
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=LEGAL_REPRESENTATIVE if representative_name else HOLDER,
                   label=f"Clôture du profil Mon espace santé{by}")


def closure_refused(caller: Caller, account_id: str, now: datetime, refused: str) -> AuditRecord:
    """A closure attempt with a wrong password (WRONG_PASSWORD) or the lockout it caused (LOCKED_OUT)."""
    reason = {WRONG_PASSWORD: "mot de passe incorrect",
              LOCKED_OUT: "trop de tentatives incorrectes, connexion bloquée"}[refused]
    return _record(caller, now, action=ACCOUNT_CHANGE, patient_id=account_id, resource_type=ACCOUNT,
                   resource_id=account_id, rule=refused, allowed=False, label=f"Clôture du profil refusée : {reason}")


def delegation_ended_by_closure(caller: Caller, delegation, now: datetime, *, delegate_name: str) -> AuditRecord:
    """In the history of the person represented or helped: the delegation ended because a space closed."""
    kind = KIND_LABELS.get(delegation.type, delegation.type)
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=delegation.delegator_id, resource_type=DELEGATION,
                   resource_id=delegation.delegation_id, rule=ACCOUNT_CLOSED_RULE,
                   label=f"Fin de l'accès de {delegate_name} ({kind}) : profil clôturé")


def outside_delegate_scope(delegate: Caller, now: datetime, *, label: str) -> AuditRecord:
    """A delegate's refused attempt, in the history of the person she acts for (naming both)."""
    return _record(delegate, now, action=ACCOUNT_CHANGE, patient_id=delegate.on_behalf_of, resource_type=ACCOUNT,
                   resource_id=delegate.on_behalf_of, rule=OUTSIDE_DELEGATE_SCOPE, allowed=False, label=label)


def legal_representation_created(caller: Caller, delegation, now: datetime, *, delegate_name: str) -> AuditRecord:
    """In the minor's history, which her representatives read: a neutral label, never support's reason."""
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=delegation.delegator_id, resource_type=DELEGATION,
                   resource_id=delegation.delegation_id, rule=SUPPORT_ON_PROOF,
                   label=f"{delegate_name} devient représentant légal, sur décision du support Mon espace santé")


def legal_representation_reason(caller: Caller, delegation, reason: str, now: datetime) -> AuditRecord:
    """Support's reason (it may name a court decision), in a record of nobody's history: operators and
    support find it by actor or delegation (audit's SearchRecords); the patient's side never lists it."""
    return audit.record(caller, group=GENERAL, resource_type=DELEGATION, action=SETTINGS_CHANGE, patient_id="",
                        allowed=True, rule=SUPPORT_ON_PROOF, now=now, resource_id=delegation.delegation_id,
                        justification=reason,
                        resource_label=f"Représentation légale du profil {delegation.delegator_id} par le profil "
                                       f"{delegation.delegate_id}, sur justificatif")


# ---- connected apps (DOMAIN §9) ----
APP_CONNECTION = "app_connection"
CONSENT_EXPIRED = "reapproval_deadline_passed"


def app_connection(caller: Caller, patient_id: str, app_id: str, now: datetime, *, label: str,
                   rule: str = HOLDER) -> AuditRecord:
    """A connection made, its consents changed, a disconnection or a lapse, in the holder's history."""
    return _record(caller, now, action=SETTINGS_CHANGE, patient_id=patient_id, resource_type=APP_CONNECTION,
                   resource_id=app_id, rule=rule, label=label)
