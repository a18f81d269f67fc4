"""What each event type means to a person: which preference governs it, whether it may be
switched off, whether it may wake someone at night, which channels carry it, and its words.

Server codes from DOMAIN.md §8 (the app's notification centre) plus the account notices of §4.
Notices never carry health data: a title says a document arrived, not what it says.
"""
from __future__ import annotations

from dataclasses import dataclass

# Preference toggles (DOMAIN.md §8, PreferenceNotificationEnum).
MESSAGE, DOCUMENT, APPOINTMENT, SYNCHRONIZED_SERVICE, SCREENING = (
    "message", "document", "appointment", "synchronized_service", "screening")
CATEGORIES = (MESSAGE, DOCUMENT, APPOINTMENT, SYNCHRONIZED_SERVICE, SCREENING)
CAMPAIGN = "campaign"          # promotional mail: its own opt-out, not one of the five toggles


@dataclass(frozen=True)
class Notice:
    event_type: str
    title: str
    body: str                  # may use {actor} and {profile} ({apps}: SERVICES_SYNCHRONISES)
    category: str | None = None    # the preference toggle that can switch it off
    mandatory: bool = False    # no preference switches it off
    critical: bool = False     # may reach people during quiet hours
    bell: bool = True
    push: bool = True
    email: bool = True
    postal: bool = True        # falls back to a letter when no email works
    facts_only: bool = False   # updates what notifications knows; tells nobody anything
    producers: frozenset[str] = frozenset()   # services allowed to publish it; empty = any
    holder_only: bool = False  # to the profile's holder alone (it may carry her activation code)
    to_closed: bool = False    # reaches her even when her space is closed (a notice of the space's life)


def _n(event_type, title, body, category=None, **kw) -> Notice:
    return Notice(event_type, title, body, category, **kw)


IDENTITY = frozenset({"identity"})

NOTICES: dict[str, Notice] = {n.event_type: n for n in [
    # Documents
    _n("AJOUT_DOCUMENT", "Nouveau document", "Un nouveau document a été ajouté au profil de {profile} par {actor}.",
       DOCUMENT),
    _n("MODIF_DOCUMENT", "Document modifié", "Un document du profil de {profile} a été modifié par {actor}.",
       DOCUMENT),
    _n("SUPP_DOC", "Document supprimé", "Un document du profil de {profile} a été supprimé par {actor}.", DOCUMENT),
    _n("CONSULT_DOCUMENT", "Document consulté", "Un document du profil de {profile} a été consulté par {actor}.",
       DOCUMENT, postal=False),
    _n("AJOUT_VACCINATION", "Nouvelle vaccination", "Une vaccination a été ajoutée au profil de {profile} par {actor}.",
       DOCUMENT),
    _n("CONSULT_VACCINATION", "Vaccinations consultées",
       "Les vaccinations du profil de {profile} ont été consultées par {actor}.", DOCUMENT, postal=False),
    *[_n(f"COPIE_DOC_AJOUT_{m}", "Nouvelle mesure",
         "Une mesure extraite d'un document a été ajoutée au profil de {profile}.", DOCUMENT, postal=False)
      for m in ("GLYCEMIE", "HBA1C", "TAILLE", "POIDS", "PC")],
    # Messaging
    _n("RECEPTION_MESSAGE", "Nouveau message",
       "{profile} a reçu un nouveau message de {actor} dans la messagerie de santé.", MESSAGE),
    _n("REPONSE_SUPPORT", "Réponse du support", "Le support de Mon espace santé a répondu à votre demande.",
       mandatory=True, postal=False),
    # Access to the record: the person is told of every access, whatever their preferences
    _n("ACCES_DMP_PS", "Accès à votre dossier", "{actor} a accédé au dossier médical de {profile}.",
       mandatory=True),
    _n("ACCES_BRIS_GLACE", "Accès en urgence à votre dossier",
       "{actor} a accédé en urgence au dossier médical de {profile}.", mandatory=True, critical=True),
    _n("DECLARATION_CONSENTEMENT_PS", "Nouveau professionnel dans l'équipe de soins",
       "{actor} a déclaré avoir recueilli, lors d'une consultation, l'accord de {profile} pour consulter son "
       "dossier médical, et fait désormais partie de son équipe de soins. Vous pouvez retirer ce professionnel "
       "de l'équipe de soins à tout moment.", mandatory=True, producers=IDENTITY),
    # To the professional who hid a document until the announcement visit: nothing to the patient
    # nor to anyone acting for her (PROFESSIONAL_NOTICES says what the professional is sent)
    _n("RAPPEL_CONSULTATION_ANNONCE", "", "", bell=False, push=False, email=False, postal=False,
       producers=frozenset({"documents"})),
    # Prevention and agenda
    _n("RAPPEL_RDV_PREV", "Examen de prévention recommandé",
       "Un examen de prévention est recommandé pour {profile}.", APPOINTMENT),
    _n("RAPPEL_RDV_PREV_VACC", "Vaccination recommandée", "Une vaccination est recommandée pour {profile}.",
       APPOINTMENT),
    _n("RAPPEL_RDV_PREV_DEPIST", "Dépistage recommandé", "Un dépistage organisé est recommandé pour {profile}.",
       SCREENING),
    _n("RAPPEL_AGENDA", "Rappel", "Un rappel de l'agenda de {profile} arrive à échéance.", APPOINTMENT,
       postal=False),
    _n("RAPPEL_RDV_USAGER", "Rendez-vous à venir", "Un rendez-vous de l'agenda de {profile} approche.",
       APPOINTMENT, postal=False),
    _n("RAPPEL_MODIF_DA", "Directives anticipées",
       "Pensez à relire les directives anticipées du profil de {profile}.", APPOINTMENT, postal=False),
    # Profile and caregivers
    _n("AJOUT_ENTOURAGE", "Entourage mis à jour", "L'entourage du profil de {profile} a été complété.",
       DOCUMENT, postal=False),
    _n("PRIMO_ALIM_MHS", "Historique de soins disponible",
       "L'historique de soins du profil de {profile} a été alimenté pour la première fois.", DOCUMENT),
    # The embargo until the announcement visit is over (DOMAIN.md §10.3): the patient may now see it
    _n("REMISE_VISIBILITE_AUTO", "Nouveau document disponible",
       "Un nouveau document est disponible dans le profil de {profile}.", DOCUMENT),
    _n("PARTAGE_PROFIL_AIDANT", "Invitation d'aidant", "Vous êtes invité à aider {profile} dans Mon espace santé.",
       mandatory=True, postal=False),
    _n("ACCORD_PARTAGE_PROFIL", "Invitation acceptée", "Votre invitation de partage du profil a été acceptée.",
       mandatory=True, postal=False),
    _n("REFUS_PARTAGE_PROFIL", "Invitation refusée", "Votre invitation de partage du profil a été refusée.",
       mandatory=True, postal=False),
    _n("REVOCATION_PAR_AIDANT", "Fin de l'aide", "Votre aidant a mis fin à son accès au profil de {profile}.",
       mandatory=True),
    _n("REVOCATION_PAR_AIDE", "Fin de l'aide", "L'accès au profil de {actor} vous a été retiré.",
       mandatory=True),
    _n("AJOUT_REPRESENTANT_LEGAL", "Nouveau représentant légal",
       "{actor} a désormais accès au profil de {profile} comme représentant légal, sur décision du support.",
       mandatory=True, producers=IDENTITY),
    _n("CLOTURE_PROFIL", "Profil clôturé", "Le profil de {actor} a été clôturé : vous n'y avez plus accès.",
       mandatory=True, producers=IDENTITY),
    # A caregiving's end date (DOMAIN.md §10.5), told to both sides, each on her own profile
    # ({actor}: the other side). Project-owned codes, not in the ens-mobile list of DOMAIN.md §8.
    _n("DATE_FIN_PARTAGE_PROFIL", "Date de fin du partage de profil",
       "La date de fin du partage de profil entre {actor} et {profile} a été modifiée.",
       mandatory=True, postal=False, producers=IDENTITY),
    _n("RAPPEL_FIN_PARTAGE_PROFIL", "Fin prochaine du partage de profil",
       "Le partage de profil entre {actor} et {profile} prendra fin à la date prévue, dans 14 jours au plus.",
       mandatory=True, producers=IDENTITY),
    _n("FIN_PARTAGE_PROFIL", "Fin du partage de profil",
       "Le partage de profil entre {actor} et {profile} a pris fin.", mandatory=True, producers=IDENTITY),
    # The 18th birthday (DOMAIN.md §3.3, §10.5): to the young adult alone (with a code to activate
    # her own access when she has none); to each former representative on her own profile
    # ({actor}: the young adult's first name).
    _n("RAPPEL_CONSENT_PASSAGE_MAJO", "Vous êtes majeur(e)",
       "Le profil Mon espace santé de {profile} est désormais le vôtre : vos représentants légaux n'y ont plus "
       "accès, et vous seul(e) décidez de qui peut y accéder.",
       mandatory=True, push=False, producers=IDENTITY, holder_only=True),
    _n("RAPPEL_CONSENT_RL_PASSAGE_MAJO", "Fin de la représentation légale",
       "{actor} est désormais majeur(e) : votre accès à son profil Mon espace santé, en tant que représentant "
       "légal, a pris fin.", mandatory=True, producers=IDENTITY),
    # Every 90 days, to the holder alone: the apps she connected (DOMAIN §8, §9), by email only
    _n("SERVICES_SYNCHRONISES", "Vos services synchronisés",
       "Les services connectés à votre profil : {apps}. Vous pouvez les gérer dans Paramètres.",
       SYNCHRONIZED_SERVICE, postal=False, bell=False, push=False, producers=IDENTITY, holder_only=True),
    # Account notices from identity (DOMAIN.md §4): the opt-out creation letter is mandatory
    _n("ACCOUNT_CREATED", "Votre profil Mon espace santé a été créé",
       "Le profil Mon espace santé de {profile} a été créé. Vous pouvez l'activer avec le code provisoire "
       "ci-dessous, ou vous y opposer dans les 6 semaines au 3422 ou en ligne.",
       mandatory=True, push=False, producers=IDENTITY),
    # The space's life (DOMAIN.md §4), to the holder alone. Project-owned codes.
    _n("OPPOSITION_ENREGISTREE", "Votre opposition à Mon espace santé est enregistrée",
       "Votre opposition à la création du profil Mon espace santé de {profile} est enregistrée : le profil "
       "ne sera pas créé. Ce courrier vaut justificatif d'opposition.",
       mandatory=True, bell=False, push=False, producers=IDENTITY, holder_only=True, to_closed=True),
    _n("SUSPENSION_PROFIL", "Profil Mon espace santé suspendu",
       "Le profil Mon espace santé de {profile} a été suspendu par l'Assurance Maladie. Sans objection de votre "
       "part dans les 6 semaines, il sera clôturé.",
       mandatory=True, bell=False, push=False, producers=IDENTITY, holder_only=True, to_closed=True),
    _n("FIN_SUSPENSION_PROFIL", "Suspension levée",
       "La suspension du profil Mon espace santé de {profile} a été levée : vous y avez de nouveau accès.",
       mandatory=True, producers=IDENTITY, holder_only=True),
    _n("CONFIRMATION_CLOTURE", "Profil Mon espace santé clôturé",
       "Le profil Mon espace santé de {profile} est clôturé : plus personne n'y a accès. Ses données sont "
       "archivées 10 ans ; vous pouvez le rouvrir à tout moment en vous reconnectant.",
       mandatory=True, bell=False, push=False, producers=IDENTITY, holder_only=True, to_closed=True),
    _n("EXPORT_DISPONIBLE", "Vos données sont prêtes",
       "L'archive des données du profil de {profile} est prête : téléchargez-la depuis Mon espace santé.",
       mandatory=True, postal=False, producers=frozenset({"exports"}), holder_only=True),
    # Facts only: what notifications knows of a person changes; nobody is told
    *[_n(t, "", "", facts_only=True, bell=False, push=False, email=False, postal=False, producers=IDENTITY)
      for t in ("ACCOUNT_ACTIVATED", "CONTACT_CHANGED", "PROFILE_LINKS_CHANGED", "ACCOUNT_CLOSED")],
]}



@dataclass(frozen=True)
class ProfessionalNotice:
    """An email to professionals at the addresses an event's payload gives (not to an account).

    Its sentences may use {actor}, {patient} (the patient's name: only where the professional
    cares for her), {date} and {time} (when it happened), {visible_from} and {document}."""
    event_type: str
    title: str
    lines: tuple[str, ...]
    address_field: str          # the payload field holding the address, or a list of addresses
    critical: bool = False      # may go during quiet hours
    needs_patient_name: bool = False


PROFESSIONAL_NOTICES: dict[str, ProfessionalNotice] = {n.event_type: n for n in [
    # DOMAIN.md §10.3. Neither the patient's name nor the document's title: together with an
    # announcement visit they would say what the document is about.
    ProfessionalNotice(
        "RAPPEL_CONSULTATION_ANNONCE", "Rappel : consultation d'annonce à tenir",
        ("Vous avez déposé dans Mon espace santé un document que vous avez masqué au patient jusqu'à la "
         "consultation d'annonce.",
         "Merci de tenir cette consultation dans les deux semaines. Sans action de votre part, le document "
         "deviendra visible pour le patient {visible_from}.",
         "Une fois la consultation tenue, vous pouvez le rendre visible depuis votre logiciel."),
        "professional_email"),
    # DOMAIN.md §3.2: the médecin traitant is told of every emergency access; being in the
    # patient's care team, the doctor may know her name.
    ProfessionalNotice(
        "ACCES_BRIS_GLACE", "Accès en urgence au dossier de votre patient(e)",
        ("Votre patient(e) {patient} a fait l'objet d'un accès en urgence à son dossier médical par {actor}, "
         "le {date} à {time}.",
         "Vous recevez ce message en tant que médecin traitant : Mon espace santé informe le médecin traitant "
         "de chaque accès en urgence."),
        "general_practitioner_emails", critical=True, needs_patient_name=True),
]}
PROFESSIONAL_FOOTER = "Ce message vous est adressé en tant que professionnel de santé."

# Payload fields that are secrets of the person (the code that activates their space): kept only
# until every delivery of the event is over, then erased from the stored event.
SECRET_PAYLOAD_KEYS = ("provisional_code",)

# The login code: sent at once by SendOneTimeCode, by email only, never switched off, day or night.
ONE_TIME_CODE = Notice("ONE_TIME_CODE", "Votre code de connexion", "", mandatory=True, critical=True,
                       bell=False, push=False, postal=False, producers=IDENTITY)

# The activation campaign's mail (DOMAIN.md §8), and any other campaign template.
CAMPAIGN_TEMPLATES = {
    "activation": Notice("CAMPAIGN_ACTIVATION", "Activez votre profil Mon espace santé",
                         "Votre profil Mon espace santé est prêt. Activez-le pour retrouver vos documents de santé, "
                         "échanger avec vos professionnels de santé et choisir qui peut accéder à vos données.",
                         CAMPAIGN, bell=False, push=False, postal=False),
}


def notice_for(event_type: str) -> Notice | None:
    return NOTICES.get(event_type)
