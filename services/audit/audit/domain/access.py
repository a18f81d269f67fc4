"""Who may read what in the audit log.

- Only platform services append.
- A patient reads their own activity; a delegate reads the activity of the patient they act for.
  Professionals never read a patient's activity. A service reads one record of a patient it names
  (identity checks the record a patient reports as a suspicious access).
- Operators and support search across patients; only operators erase personal data.
- Tree heads, consistency proofs and log keys are public facts of the log (hashes only): any
  authenticated caller. Inclusion proofs name a record: its patient, or services, operators, support.
  Leaves (non-personal fields of every record) go to services, operators and support.
"""
from __future__ import annotations

from meskit.auth import DELEGATE, OPERATOR, PATIENT, SERVICE, SUPPORT, Caller
from meskit.errors import PermissionDenied

SEARCHERS = (OPERATOR, SUPPORT)
LOG_READERS = (SERVICE, OPERATOR, SUPPORT)


def acts_for(caller: Caller, patient_id: str) -> bool:
    if not patient_id:
        return False
    if caller.actor_type == PATIENT:
        return caller.subject == patient_id
    if caller.actor_type == DELEGATE:
        return caller.on_behalf_of == patient_id
    return False


def require_patient_activity(caller: Caller, patient_id: str) -> None:
    if not acts_for(caller, patient_id):
        raise PermissionDenied("Seul le titulaire (ou la personne qui agit pour lui) voit son historique d'activité")


def require_record_reader(caller: Caller, patient_id: str) -> None:
    """One record of a patient's history: the patient, their delegate, or a service naming the patient."""
    if not (caller.actor_type == SERVICE and patient_id):
        require_patient_activity(caller, patient_id)


def may_prove(caller: Caller, record_patient_id: str) -> bool:
    return caller.actor_type in LOG_READERS or acts_for(caller, record_patient_id)


def require_prover(caller: Caller) -> None:
    """A first check before any lookup: professionals and others never get record proofs."""
    if caller.actor_type not in (*LOG_READERS, PATIENT, DELEGATE):
        raise PermissionDenied("Action non autorisée pour ce type de compte")
