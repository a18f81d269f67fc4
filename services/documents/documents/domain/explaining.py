"""ExplainDocumentAccess: "why can this professional see this?", asked by the holder about one of her
documents and one profession or one named professional. The same pure decision as a real read
(`access.decide`), in NORMAL mode then in each emergency mode, told in French (access_explanations).

What the holder may learn: which rules exist and her own settings, about a document she sees. A
document she cannot see, or another patient's, answers NOT_FOUND exactly like an unknown id (an
existing one is audited as a denied read, as GetDocument does); the question itself is one READ
audit record (it reads the document's metadata for her).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller
from meskit.errors import InvalidArgument, NotFound, Violations, require_ids

from documents.domain import access_explanations, auditing, catalog, reach
from documents.domain.access import Actor, ActorType, Decision, Mode, PatientSettings, decide
from documents.domain.actors import AccessContext, Who, actor_for, display_name, who
from documents.domain.lookup import NO_SUCH_DOCUMENT, get_or_404
from documents.domain.access.reference import PROFESSIONS
from documents.domain.models import Document
from documents.domain.permissions import read_decision
from documents.domain.ports import Dependencies

EXPLAINED = "explain_document_access"
# TRE_G15 codes without a matrix column (DOMAIN §1.2): they read nothing, and the answer says why.
A_PROFESSION_MEMBER = "?profession"     # the id of "a professional of this profession": nobody's
EMERGENCY_MODES = (Mode.BRIS_DE_GLACE, Mode.CENTRE_15)
ANY_JUSTIFICATION = "explication"       # break-glass is asked about as if justified and identified


@dataclass(frozen=True)
class Outcome:
    mode: Mode
    decision: Decision
    explanation: str


@dataclass(frozen=True)
class Explanation:
    subject: str
    normal: Outcome
    emergency: tuple[Outcome, ...]
    matrix_version: str
    provisional: bool


@dataclass(frozen=True)
class _Subject:
    actor: Actor
    settings: PatientSettings
    label: str                   # for NORMAL mode
    emergency_labels: dict[Mode, str]
    profession: str


def explain_access(deps: Dependencies, caller: Caller, patient_id: str, document_id: str, *,
                   profession_code: str = "", professional_id: str = "") -> Explanation:
    caller.require(PATIENT, DELEGATE)
    require_ids(patient_id=patient_id, document_id=document_id)
    _validate(profession_code, professional_id)
    now = deps.now()
    w, document = _visible_document(deps, caller, patient_id, document_id, now)
    subject = (_named(deps, w, professional_id) if professional_id
               else _profession_member(w.context.settings, profession_code))
    attrs = document.attrs()
    type_label = catalog.TYPES[document.type_code].label if document.type_code in catalog.TYPES else document.type_code
    row = w.matrix.lookup(subject.actor.profession_code, document.type_code).row
    provisional = bool(row is not None and row.provisional)

    def outcome(mode: Mode) -> Outcome:
        actor = subject.actor
        if mode == Mode.CENTRE_15 and not professional_id:
            actor = replace(actor, samu_regulator=actor.profession_code == "10")
        decision = decide(actor, subject.settings, attrs, mode=mode, justification=ANY_JUSTIFICATION, now=now,
                          matrix=w.matrix)
        label = subject.emergency_labels.get(mode, subject.label)
        return Outcome(mode, decision, access_explanations.sentence(
            decision, subject=label, profession=subject.profession, type_label=type_label, mode=mode,
            provisional=provisional))

    explanation = Explanation(subject.label, outcome(Mode.NORMAL), tuple(outcome(m) for m in EMERGENCY_MODES),
                              w.matrix.version, provisional)
    normal = explanation.normal.decision
    deps.audit.append(auditing.record(
        w, action=auditing.READ, now=now, document=document,
        decision=Decision(True, EXPLAINED, "explains who may read the document, reads nothing else"),
        resource_label=f"{document.title} — qui peut le lire : {subject.label} "
                       f"({'autorisé' if normal.allowed else 'refusé'}, {normal.rule})"))
    return explanation


def _validate(profession_code: str, professional_id: str) -> None:
    v = Violations()
    if bool(profession_code) == bool(professional_id):
        v.add("profession_code", "indiquez une profession ou un professionnel, pas les deux")
        v.add("professional_id", "indiquez une profession ou un professionnel, pas les deux")
    v.max_length(professional_id, "professional_id", 36)
    if profession_code and _profession_label(profession_code) is None:
        v.add("profession_code", "code de profession inconnu (TRE_G15, par exemple 10 pour médecin)")
    v.raise_if_any("Pour quel professionnel ? Indiquez une profession ou un professionnel")


def _profession_label(code: str) -> str | None:
    return PROFESSIONS.get(code)


def _visible_document(deps: Dependencies, caller: Caller, patient_id: str, document_id: str,
                      now: datetime) -> tuple[Who, Document]:
    """The holder and the document, only if the holder sees it; otherwise what an unknown id answers."""
    if caller.actor_type == PATIENT and caller.subject != patient_id \
            or caller.actor_type == DELEGATE and caller.on_behalf_of != patient_id:
        raise NotFound(NO_SUCH_DOCUMENT)
    try:
        w = who(deps, caller, patient_id)
    except NotFound:
        raise NotFound(NO_SUCH_DOCUMENT) from None
    reach.refuse_if_closed(deps, w, action=auditing.READ, now=now, read=True)
    with deps.unit_of_work() as repo:
        document = get_or_404(repo, patient_id, document_id)
    seen = read_decision(w, document, now)
    if not seen.allowed:
        deps.audit.append(auditing.record(w, action=auditing.READ, decision=seen, now=now, document=document))
        raise NotFound(NO_SUCH_DOCUMENT)
    return w, document


def _named(deps: Dependencies, w: Who, professional_id: str) -> _Subject:
    try:
        context: AccessContext = deps.contexts.get(w.patient_id, professional_id)
    except NotFound:
        raise NotFound("Professionnel introuvable", reason="PROFESSIONAL_NOT_FOUND") from None
    record = context.professional
    code = record.profession_code if record else ""
    caller = Caller(PROFESSIONAL, professional_id, profession_code=code, rpps=record.rpps if record else "")
    profession = _profession_label(code) or code
    name = display_name(caller, context) or "Ce professionnel"
    label = f"{name} ({profession})" if profession else name
    return _Subject(actor_for(caller, context), context.settings, label, {}, profession)


def _profession_member(settings: PatientSettings, code: str) -> _Subject:
    """A professional of this profession whom the patient allowed (in her care team), not blocked,
    not an administrator, not the author: what the matrix and her masks decide."""
    profession = _profession_label(code) or code
    actor = Actor(type=ActorType.PROFESSIONAL, id=A_PROFESSION_MEMBER, profession_code=code)
    allowed = replace(settings, care_team_ids=settings.care_team_ids | {A_PROFESSION_MEMBER},
                      blocked_professional_ids=settings.blocked_professional_ids - {A_PROFESSION_MEMBER},
                      administrator_ids=settings.administrator_ids - {A_PROFESSION_MEMBER})
    anyone = f"Un professionnel exerçant la profession « {profession} »"
    return _Subject(actor, allowed, f"Un professionnel de votre équipe de soins exerçant la profession « {profession} »",
                    {Mode.BRIS_DE_GLACE: anyone,
                     Mode.CENTRE_15: "Un médecin régulateur du SAMU - Centre 15" if code == "10" else anyone},
                    profession)
