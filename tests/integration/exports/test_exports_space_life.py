"""Exports and the space's life: a closed space cannot be exported (nor its archive downloaded), and
a deleted space's archives are erased, bytes and rows, idempotently."""
from __future__ import annotations

import time

import grpc
import pytest
from mes.exports.v1 import exports_pb2 as epb
from mes.identity.v1 import identity_pb2 as ipb

import documents_harness
from documents_harness import PASSWORD, error_reason, nir
from devtools.eventually import eventually
from exports_harness import erasing_deps


def refused(call) -> tuple[grpc.StatusCode, str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), error_reason(caught.value), caught.value.details()


def activated(stack) -> str:
    n = next(documents_harness._serial)
    birth = f"{time.gmtime().tm_year - 40}-03-{1 + n % 27:02d}"
    fields = dict(nir=nir("2", birth, 600 + n % 300), vitale_serial=f"{42000000000 + n}", given_name="Inès",
                  family_name=f"Export{n}", birth_date=birth, sex=ipb.SEX_FEMALE)
    created = stack.identity.CreateAccount(ipb.CreateAccountRequest(**fields), metadata=stack.operator, timeout=10)
    stack.identity.ActivateAccount(ipb.ActivateAccountRequest(
        provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
        login_id=f"export-{n:05d}", password=PASSWORD, email=f"export{n}@example.org", accept_terms=True), timeout=10)
    return created.account.account_id


def test_a_closed_space_is_neither_exported_nor_downloaded(stack):
    patient = activated(stack)
    asked = stack.exports.RequestExport(epb.RequestExportRequest(patient_id=patient), metadata=stack.patient(patient),
                                        timeout=10)
    stack.build_exports(patient, asked.export_id)
    stack.identity.CloseAccount(ipb.CloseAccountRequest(account_id="me", password=PASSWORD),
                                metadata=stack.patient(patient), timeout=10)

    closed = (grpc.StatusCode.FAILED_PRECONDITION, "PROFILE_CLOSED", "Profil clôturé")
    assert refused(lambda: stack.exports.RequestExport(epb.RequestExportRequest(patient_id=patient),
                                                       metadata=stack.patient(patient), timeout=10)) == closed
    assert refused(lambda: stack.download_export(stack.patient(patient), patient, asked.export_id)) == closed


def test_a_deleted_spaces_archives_are_erased_and_a_second_pass_counts_zero(stack):
    from exports.domain import erasure
    patient, other = stack.new_patient(), stack.new_patient()
    for p in (patient, other):
        asked = stack.exports.RequestExport(epb.RequestExportRequest(patient_id=p), metadata=stack.patient(p),
                                            timeout=10)
        stack.build_exports(p, asked.export_id)
    mine = stack.exports.ListExports(epb.ListExportsRequest(patient_id=patient), metadata=stack.patient(patient),
                                     timeout=10).exports[0].export_id
    deps, engine = erasing_deps(stack)
    try:
        erased = erasure.erase(deps, patient)
        assert (erased["exports"], erased["objects"]) == (1, 1)
        assert erasure.erase(deps, patient) == {"exports": 0, "objects": 0, "outbox_events": 0}
    finally:
        engine.dispose()
    assert not any(mine in name for name in stack.archives())
    assert len(stack.archives()) >= 1      # the other person's archive stays
    assert stack.exports.ListExports(epb.ListExportsRequest(patient_id=patient), metadata=stack.patient(patient),
                                     timeout=10).exports == []


def test_an_export_left_by_a_crashed_replica_is_built_by_another_once_its_lease_runs_out(stack):
    from datetime import datetime, timedelta, timezone
    from exports.domain.building import LEASE
    patient = stack.new_patient()
    asked = stack.exports.RequestExport(epb.RequestExportRequest(patient_id=patient), metadata=stack.patient(patient),
                                        timeout=10)
    deps, engine = erasing_deps(stack)
    try:
        now = datetime.now(timezone.utc)
        claimed = None
        while claimed is None or claimed.export_id != asked.export_id:   # a replica leases it (and any older one)
            with deps.unit_of_work() as repo:                             # then dies without a word
                claimed = repo.claim_build(now, now + LEASE)
            assert claimed is not None
    finally:
        engine.dispose()
    stop = stack.start_exports_replica()
    try:
        time.sleep(1.5)
        assert stack._settled(patient, asked.export_id) is None        # still leased: nobody builds it twice
        stack.move_clock((LEASE + timedelta(minutes=1)).total_seconds())
        built = eventually(lambda: stack._settled(patient, asked.export_id), timeout=30)
        assert built.state == epb.EXPORT_STATE_READY
    finally:
        stop()
        stack.move_clock(0)
