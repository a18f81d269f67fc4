"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor."""
from __future__ import annotations

from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from meskit.auth import current_caller

from audit.api import convert
from audit.domain import activity, erasure, proofs, visibility
from audit.domain.activity import PageRequest
from audit.domain.ports import Dependencies


def _page(request) -> PageRequest:
    return PageRequest(page_size=request.page_size, page_token=request.page_token,
                       oldest_first=getattr(request, "oldest_first", False))


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def AppendRecord(self, request, context):
        ((stored, duplicate),) = visibility.append_records(
            self._deps, current_caller(), [convert.entry(request.record)], [convert.carried(request.record)],
            prefix="record.")
        return pb.AppendRecordResponse(record=convert.record(stored), duplicate=duplicate)

    def AppendRecords(self, request, context):
        outcomes = visibility.append_records(self._deps, current_caller(), [convert.entry(r) for r in request.records],
                                             [convert.carried(r) for r in request.records])
        return pb.AppendRecordsResponse(records=[convert.record(stored) for stored, _ in outcomes],
                                        duplicate_record_ids=[s.entry.record_id for s, dup in outcomes if dup])

    def SetResourceVisibility(self, request, context):
        applied = visibility.set_resource_visibility(self._deps, current_caller(),
                                                     convert.restriction(request.visibility))
        return pb.SetResourceVisibilityResponse(applied=applied)

    def ListActivity(self, request, context):
        page = activity.list_activity(self._deps, current_caller(), request.patient_id,
                                      convert.activity_filter(request), _page(request),
                                      professional_id=request.professional_id)
        return pb.ListActivityResponse(records=[convert.record(r) for r in page.records],
                                       next_page_token=page.next_page_token)

    def GetRecord(self, request, context):
        return convert.record(activity.get_record(self._deps, current_caller(), request.patient_id,
                                                  request.record_id))

    def GetSignedTreeHead(self, request, context):
        return convert.tree_head(proofs.signed_tree_head(self._deps, current_caller(), request.tree_size))

    def GetInclusionProof(self, request, context):
        which = request.WhichOneof("leaf")
        proof = proofs.inclusion_proof(self._deps, current_caller(), record_id=request.record_id,
                                       leaf_index=request.leaf_index if which == "leaf_index" else None,
                                       tree_size=request.tree_size)
        return pb.InclusionProof(leaf_index=proof.leaf_index, leaf_hash=proof.leaf_hash, tree_size=proof.tree_size,
                                 audit_path=proof.audit_path,
                                 tree_head=convert.tree_head(proof.tree_head) if proof.tree_head else None)

    def GetConsistencyProof(self, request, context):
        first, second, proof = proofs.consistency_proof(self._deps, current_caller(), request.first, request.second)
        return pb.ConsistencyProof(first=first, second=second, proof=proof)

    def ListLeaves(self, request, context):
        leaves = proofs.list_leaves(self._deps, current_caller(), request.start, request.end)
        return pb.ListLeavesResponse(leaves=[pb.Leaf(leaf_index=x.leaf_index, leaf_hash=x.leaf_hash,
                                                     leaf_input=x.leaf_input, record_id=x.record_id) for x in leaves])

    def ListLogKeys(self, request, context):
        return pb.ListLogKeysResponse(keys=[convert.log_key(k) for k in proofs.log_keys(self._deps, current_caller())])

    def SearchRecords(self, request, context):
        page = activity.search_records(self._deps, current_caller(), convert.search_filter(request), _page(request))
        return pb.SearchRecordsResponse(records=[convert.record(r) for r in page.records],
                                        next_page_token=page.next_page_token)

    def EraseRecordPersonalData(self, request, context):
        erased = erasure.erase_personal_data(self._deps, current_caller(), request.patient_id,
                                             convert.optional_datetime(request, "occurred_before"), request.reason)
        return pb.EraseRecordPersonalDataResponse(erased_count=erased)
