"""The profile as a document: the synthesis PDF (fpdf2 core fonts: Latin-1 text) and the JSON of the
export. Neither names a professional's or a delegate's account id."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


from meskit.pdf import PARIS, TextDocument, french_date, french_moment

from profile.domain import measurement_rules as rules
from profile.domain import models as m
from profile.domain.profile import ProfileView

ISSUER = "Mon espace santé"
TITLE = "Profil médical Mon espace santé"
FIELD_LABELS = {"dosage": "Posologie", "duration": "Durée", "relative": "Lien de parenté", "vaccination_type": "Type",
                "lot": "Lot", "vaccinator": "Vaccinateur", "lifestyle_topic": "Thème", "identifier": "Identifiant",
                "role_tags": "Rôles", "contact_roles": "Rôles", "relation": "Relation", "mobile": "Mobile",
                "landline": "Fixe", "email": "Courriel", "disability_types": "Types", "disability_rate": "Taux",
                "technical_aid": "Aide technique", "human_aid": "Aide humaine", "comment": "Commentaire"}
PDF_SECTIONS = (m.ALLERGIES, m.TREATMENTS, m.DISEASES, m.HOSPITALIZATIONS, m.DISABILITIES, m.FAMILY_HISTORY,
                m.VACCINATIONS, m.LIFESTYLE, m.MEASUREMENTS, m.HEALTH_PROFESSIONALS, m.ENTOURAGE)


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def measurement_text(x: m.Measurement) -> str:
    kind = rules.KINDS[x.code]
    if x.code == "BLOOD_PRESSURE":
        values = "/".join(_number(metric.value) for metric in x.metrics) + f" {kind.unit}"
    else:
        values = f"{_number(x.metrics[0].value)} {kind.unit}"
    return f"{kind.label} : {values} ({french_moment(x.effective_time)})"


def entry_lines(entry: m.Entry) -> tuple[str, list[str]]:
    f = entry.fields
    if entry.section == m.ENTOURAGE:
        title = f"{f.get('given_name', '')} {f.get('family_name', '')}".strip()
    else:
        title = f.get("name", "")
    dates = []
    if f.get("start"):
        dates.append(("depuis " if entry.section != m.VACCINATIONS else "le ") + f["start"].text())
    if f.get("end"):
        dates.append("jusqu'à " + f["end"].text())
    if dates:
        title += f" ({', '.join(dates)})"
    details = []
    for name, label in FIELD_LABELS.items():
        value = f.get(name)
        if name == "duration" and value:
            value = f"{value} {f.get('duration_unit', '')}"
        if isinstance(value, (list, tuple)):
            value = ", ".join(value)
        if value:
            details.append(f"{label} : {value}")
    if entry.confirmed_by_professional:
        details.append("Saisie ou confirmée par un professionnel de santé")
    return title, details


def synthesis_pdf(view: ProfileView, sections: Iterable[str], patient_name: str, now: datetime) -> bytes:
    """Deterministic for the same profile, sections and moment."""
    chosen = [s for s in PDF_SECTIONS if s in set(sections)]
    doc = TextDocument(TITLE, ISSUER, now)

    def line(text: str, size: float = 11, style: str = "", gap: float = 1) -> None:
        doc.line(text, size, style, gap)

    line(ISSUER, 10, "B", 4)
    line(TITLE, 16, "B", 2)
    if patient_name:
        line(patient_name, 12, "B", 2)
    line(f"Synthèse établie le {french_date(now.astimezone(PARIS).date())} par la personne elle-même, à partir de "
         f"son profil médical.", 9, gap=6)
    declared = {d.section for d in view.declarations}
    for section in chosen:
        line(m.LABELS[section], 13, "B", 2)
        if section == m.MEASUREMENTS:
            items = [measurement_text(x) for x in view.latest_measurements]
            for text in items or ["Aucune mesure renseignée"]:
                line(f"- {text}")
            if view.facts.blood_group:
                line(f"- Groupe sanguin : {view.facts.blood_group}")
        else:
            entries = [e for e in view.entries if e.section == section]
            for entry in entries:
                title, details = entry_lines(entry)
                line(f"- {title}", style="B")
                for detail in details:
                    line(f"    {detail}", 10)
            if section == m.ENTOURAGE:
                if view.facts.advance_directives:
                    line("- Directives anticipées rédigées :", style="B")
                    line(f"    {view.facts.advance_directives}", 10)
                if view.facts.informed_about_organ_donation:
                    line("- Informée sur le don d'organes (registre national des refus)")
            elif not entries:
                line("- Non concernée" if section in declared else "- Rien de renseigné")
        doc.space(3)
    return doc.output()


def _date(d: m.PartialDate) -> dict | None:
    return {"year": d.year, "month": d.month or None, "day": d.day or None} if d else None


def profile_json(view: ProfileView) -> dict:
    """The export's profil.json: every section, the wishes, every measurement of the history."""
    def entry(e: m.Entry) -> dict:
        fields = {k: (_date(v) if k in m.DATE_FIELDS else list(v) if k in m.LIST_FIELDS else v)
                  for k, v in e.fields.items() if v not in ("", 0, (), [], None) and not (k in m.DATE_FIELDS and not v)}
        return {"id": e.entry_id, "section": e.section, "label": m.LABELS[e.section], **fields,
                "author": e.author_type, "confirmed_by_professional": e.confirmed_by_professional,
                "created_at": e.created_at.isoformat(), "updated_at": e.updated_at.isoformat()}

    facts = view.facts
    return {
        "patient_id": view.patient_id,
        "entries": [entry(e) for e in view.entries],
        "not_concerned": [{"section": d.section, "label": m.LABELS[d.section], "declared_at": d.declared_at.isoformat()}
                          for d in view.declarations],
        "blood_group": facts.blood_group or None,
        "wishes": {"advance_directives": facts.advance_directives,
                   "informed_about_organ_donation": facts.informed_about_organ_donation},
        "measurements": [{"id": x.measurement_id, "code": x.code, "label": rules.KINDS[x.code].label,
                          "effective_time": x.effective_time.isoformat(),
                          "metrics": [{"code": k.code, "value": k.value, "unit": k.unit} for k in x.metrics],
                          "comment": x.comment, "context": x.context, "number_of_days": x.number_of_days,
                          "author": x.author_type, **({"author_name": x.author_name} if x.author_name else {})}
                         for x in view.latest_measurements],
    }
