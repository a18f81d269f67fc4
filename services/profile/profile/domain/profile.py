"""Use-cases of the sections: the profile as the caller may see it, entries, "not concerned"
declarations, the blood group and the wishes."""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from meskit.auth import Caller
from meskit.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied, Violations, require_ids

from profile.domain import auditing, entry_rules
from profile.domain import models as m
from profile.domain.access import Who, who
from profile.domain.ports import Dependencies

BLOOD_GROUPS = ("A+", "A-", "AB+", "AB-", "B+", "B-", "O+", "O-")
DIRECTIVES_LIMIT = 10000


@dataclass(frozen=True, kw_only=True)
class ProfileView:
    patient_id: str
    entries: list[m.Entry]
    declarations: list[m.Declaration]
    facts: m.Facts
    latest_measurements: list[m.Measurement]
    for_professional: bool


def get(deps: Dependencies, caller: Caller, patient_id: str) -> ProfileView:
    w = who(deps, caller, patient_id)
    view = collect(deps, w.patient_id, for_professional=w.is_professional)
    auditing.read(deps, w, resource_type=auditing.PROFILE)
    return view


def collect(deps: Dependencies, patient_id: str, *, for_professional: bool = False) -> ProfileView:
    with deps.unit_of_work() as repo:
        sections = m.PROFESSIONAL_SECTIONS if for_professional else None
        return ProfileView(patient_id=patient_id, entries=repo.entries(patient_id, sections),
                           declarations=[] if for_professional else repo.declarations(patient_id),
                           facts=_professional_facts(repo.facts(patient_id)) if for_professional else repo.facts(patient_id),
                           latest_measurements=[] if for_professional else repo.latest_measurements(patient_id),
                           for_professional=for_professional)


def _professional_facts(facts: m.Facts) -> m.Facts:
    return m.Facts(advance_directives=facts.advance_directives,
                   informed_about_organ_donation=facts.informed_about_organ_donation,
                   wishes_updated_at=facts.wishes_updated_at)


def _fields(deps: Dependencies, w: Who, section: str, given: dict) -> dict:
    return entry_rules.normalise(section, given, today=deps.today(), birth_date=w.context.birth_date)


def _require_trusted_free(repo, w: Who, fields: dict, entry_id: str = "") -> None:
    if entry_rules.TRUSTED in fields.get("contact_roles", ()):
        repo.lock_profile(w.patient_id)
        if [x for x in repo.trusted_contacts(w.patient_id) if x != entry_id]:
            raise FailedPrecondition("Une seule personne de confiance : retirez ce rôle à l'autre contact d'abord",
                                     reason="TRUSTED_CONTACT_EXISTS")


def add_entry(deps: Dependencies, caller: Caller, patient_id: str, section: str, given: dict) -> m.Entry:
    w = who(deps, caller, patient_id)
    w.require_section(section, write=True)
    fields = _fields(deps, w, section, given)
    now = deps.now()
    entry = m.Entry(entry_id=str(uuid.uuid4()), patient_id=w.patient_id, section=section, fields=fields,
                    author_type=w.author_type, author_id=caller.subject,
                    confirmed_by_professional=w.is_professional and section == m.VACCINATIONS,
                    created_at=now, updated_at=now)
    with deps.unit_of_work() as repo:
        _require_trusted_free(repo, w, fields)
        repo.set_declaration(w.patient_id, section, None)      # an entry ends "not concerned"
        repo.add_entry(entry)
        auditing.change(w, repo, action=auditing.CREATE, resource_type=auditing.ENTRY, resource_id=entry.entry_id,
                        label=m.LABELS[section], now=now)
    return entry


def _existing(repo, w: Who, entry_id: str) -> m.Entry:
    entry = repo.entry(w.patient_id, entry_id, for_update=True)
    if entry is None or not w.may_read(entry.section):
        raise NotFound("Entrée introuvable", reason="ENTRY_NOT_FOUND")
    if entry.section == m.VACCINATIONS and entry.confirmed_by_professional and not w.is_professional:
        raise FailedPrecondition("Vaccination saisie ou confirmée par un professionnel de santé : vous ne pouvez "
                                 "ni la modifier ni la supprimer", reason="VACCINATION_LOCKED")
    return entry


def update_entry(deps: Dependencies, caller: Caller, patient_id: str, entry_id: str, section: str,
                 given: dict) -> m.Entry:
    require_ids(entry_id=entry_id)
    w = who(deps, caller, patient_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        entry = _existing(repo, w, entry_id)
        w.require_section(entry.section, write=True)
        if section and section != entry.section:
            raise InvalidArgument("La section d'une entrée ne change pas", reason="SECTION_MISMATCH")
        fields = _fields(deps, w, entry.section, given)
        _require_trusted_free(repo, w, fields, entry_id)
        updated = dataclasses.replace(entry, fields=fields, updated_at=now,
                                      confirmed_by_professional=entry.confirmed_by_professional or w.is_professional)
        repo.replace_entry(updated)
        auditing.change(w, repo, action=auditing.UPDATE, resource_type=auditing.ENTRY, resource_id=entry_id,
                        label=m.LABELS[entry.section], now=now)
    return updated


def delete_entry(deps: Dependencies, caller: Caller, patient_id: str, entry_id: str) -> None:
    require_ids(entry_id=entry_id)
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    now = deps.now()
    with deps.unit_of_work() as repo:
        entry = _existing(repo, w, entry_id)
        repo.delete_entry(w.patient_id, entry_id)
        auditing.change(w, repo, action=auditing.DELETE, resource_type=auditing.ENTRY, resource_id=entry_id,
                        label=m.LABELS[entry.section], now=now)


def declare_not_concerned(deps: Dependencies, caller: Caller, patient_id: str, section: str,
                          not_concerned: bool) -> m.Declaration | None:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    if section not in m.DECLARABLE_SECTIONS:
        raise InvalidArgument("Section sans déclaration « non concerné »", reason="SECTION_NOT_DECLARABLE")
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        if not_concerned and repo.count_entries(w.patient_id, section):
            raise FailedPrecondition(f"La section {m.LABELS[section]} contient des entrées : supprimez-les d'abord",
                                     reason="SECTION_NOT_EMPTY")
        repo.set_declaration(w.patient_id, section, now if not_concerned else None)
        auditing.change(w, repo, action=auditing.UPDATE, resource_type=auditing.PROFILE, label=m.LABELS[section],
                        now=now)
    return m.Declaration(section=section, declared_at=now) if not_concerned else None


def set_blood_group(deps: Dependencies, caller: Caller, patient_id: str, value: str) -> m.Facts:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    value = value.replace("−", "-").strip().upper()
    if value and value not in BLOOD_GROUPS:
        raise InvalidArgument("Groupe sanguin invalide", reason="INVALID_BLOOD_GROUP",
                              violations=[FieldViolation("value", f"valeur attendue parmi {', '.join(BLOOD_GROUPS)}")])
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        facts = dataclasses.replace(repo.facts(w.patient_id), blood_group=value,
                                    blood_group_author_type=w.author_type if value else "",
                                    blood_group_author_id=caller.subject if value else "", blood_group_updated_at=now)
        repo.save_facts(w.patient_id, facts)
        auditing.change(w, repo, action=auditing.UPDATE, resource_type=auditing.PROFILE, label="Groupe sanguin",
                        now=now)
    return facts


def set_wishes(deps: Dependencies, caller: Caller, patient_id: str, advance_directives: str,
               informed_about_organ_donation: bool) -> m.Facts:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    v = Violations()
    v.max_length(advance_directives, "advance_directives", DIRECTIVES_LIMIT)
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        current = repo.facts(w.patient_id)
        if advance_directives != current.advance_directives:
            if w.context.is_minor:
                raise FailedPrecondition("Les directives anticipées sont réservées aux personnes majeures",
                                         reason="MINOR_ADVANCE_DIRECTIVES")
            if not w.is_holder:
                raise PermissionDenied("Seule la personne elle-même rédige ses directives anticipées",
                                       reason="ADVANCE_DIRECTIVES_HOLDER_ONLY")
        facts = dataclasses.replace(current, advance_directives=advance_directives,
                                    informed_about_organ_donation=informed_about_organ_donation, wishes_updated_at=now)
        repo.save_facts(w.patient_id, facts)
        auditing.change(w, repo, action=auditing.UPDATE, resource_type=auditing.PROFILE,
                        label="Entourage et volontés", now=now)
    return facts

