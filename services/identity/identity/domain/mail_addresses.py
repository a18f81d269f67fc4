"""Whose is a mail address, for messaging's MSSanté bridge (service tokens only).

A patient's MSSanté address is her NIR with its key at the patient domain (DOMAIN §10.6): it
resolves to her account while her space exists (created or active). A professional's resolves by
the MSSanté address of the directory. Anything else, malformed included, resolves to nobody: the
answer never says more than whose address it is.
"""
from __future__ import annotations

from meskit.auth import SERVICE, Caller
from meskit.errors import Violations

from identity.domain import rules
from identity.domain.models import ACTIVE, CREATED
from identity.domain.ports import Dependencies

MAX_ADDRESSES = 100
MAX_ADDRESS = 254
SPACE_EXISTS = (CREATED, ACTIVE)


def _split(address: str) -> tuple[str, str]:
    local, at, domain = address.strip().rpartition("@")
    return (local, domain.lower()) if at and local else ("", "")


def resolve(deps: Dependencies, caller: Caller, addresses: list[str], patient_domain: str,
            patient_ids: list[str] | None = None) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(address, patient account id, professional id) for each address, in order, empty ids for
    nobody; then (patient id, her address or "") for each patient id."""
    caller.require(SERVICE)
    v = Violations()
    v.require(patient_domain.strip(), "patient_domain")
    patient_ids = patient_ids or []
    for name, asked in (("addresses", addresses), ("patient_ids", patient_ids)):
        if len(asked) > MAX_ADDRESSES:
            v.add(name, f"au plus {MAX_ADDRESSES}")
    v.raise_if_any()
    domain = patient_domain.strip().lower()
    nirs: dict[str, str] = {}
    others: dict[str, str] = {}
    for address in addresses:
        if len(address) > MAX_ADDRESS:
            continue
        local, at = _split(address)
        if at == domain:
            if rules.nir_is_valid(local):
                nirs[address] = local.upper()
        elif at:
            others[address] = address.strip().lower()
    with deps.unit_of_work() as repo:
        patients = repo.patients_by_nir(list(set(nirs.values())), SPACE_EXISTS) if nirs else {}
        professionals = repo.professionals_by_mssante_address(list(set(others.values()))) if others else {}
        own = repo.nirs_of(list(set(patient_ids)), SPACE_EXISTS) if patient_ids else {}
    return ([(a, patients.get(nirs.get(a, ""), ""), professionals.get(others.get(a, ""), "")) for a in addresses],
            [(p, f"{own[p]}@{domain}" if p in own else "") for p in patient_ids])
