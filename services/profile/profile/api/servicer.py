"""Thin servicers: proto -> domain arguments, one use-case call, domain result -> proto. Errors rise to
the interceptor."""
from __future__ import annotations

from collections.abc import Iterator

from mes.lifecycle.v1 import lifecycle_pb2
from mes.profile.v1 import profile_pb2 as pb
from mes.profile.v1 import profile_pb2_grpc

from meskit.auth import Caller, current_caller
from meskit.subject_data import PulledErasureServicer, file_chunks
from meskit.timestamps import datetime_of

from profile.api import convert
from profile.domain import fhir_exchange, measurements, profile, subject, synthesis
from profile.domain.ports import Dependencies



class ProfileServiceServicer(profile_pb2_grpc.ProfileServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def GetProfile(self, request, context):
        return convert.profile(profile.get(self._deps, current_caller(), request.patient_id))

    def AddEntry(self, request, context):
        return convert.entry(profile.add_entry(self._deps, current_caller(), request.patient_id,
                                               convert.required_section(request.entry.section),
                                               convert.entry_fields(request.entry)))

    def UpdateEntry(self, request, context):
        return convert.entry(profile.update_entry(self._deps, current_caller(), request.patient_id, request.entry_id,
                                                  convert.section_name(request.entry.section),
                                                  convert.entry_fields(request.entry)))

    def DeleteEntry(self, request, context):
        profile.delete_entry(self._deps, current_caller(), request.patient_id, request.entry_id)
        return pb.DeleteEntryResponse()

    def DeclareNotConcerned(self, request, context):
        section = convert.required_section(request.section)
        return convert.declaration(section, profile.declare_not_concerned(
            self._deps, current_caller(), request.patient_id, section, request.not_concerned))

    def SetBloodGroup(self, request, context):
        return convert.blood_group(profile.set_blood_group(self._deps, current_caller(), request.patient_id,
                                                           request.value))

    def SetWishes(self, request, context):
        return convert.wishes(profile.set_wishes(self._deps, current_caller(), request.patient_id,
                                                 request.advance_directives, request.informed_about_organ_donation))

    def AddMeasurement(self, request, context):
        x = request.measurement
        effective = datetime_of(x, "effective_time", path="measurement.")
        return convert.measurement(measurements.add(
            self._deps, current_caller(), request.patient_id, x.code, effective, convert.metrics(x.metrics),
            comment=x.comment, context=x.context, number_of_days=x.number_of_days))

    def ListMeasurements(self, request, context):
        found, token = measurements.history(self._deps, current_caller(), request.patient_id, request.code,
                                            request.page_size, request.page_token)
        return pb.ListMeasurementsResponse(measurements=[convert.measurement(x) for x in found], next_page_token=token)

    def DeleteMeasurement(self, request, context):
        measurements.delete(self._deps, current_caller(), request.patient_id, request.measurement_id)
        return pb.DeleteMeasurementResponse()

    def GenerateSynthesis(self, request, context):
        authorization = dict(context.invocation_metadata()).get("authorization", "")
        saved = synthesis.generate(self._deps, current_caller(), authorization, request.patient_id,
                                   convert.sections(request.sections),
                                   request.visible if request.HasField("visible") else None)
        return pb.Synthesis(document_id=saved.document_id, title=saved.title, masked=saved.masked)

    def SubmitObservations(self, request, context):
        return convert.web_response(fhir_exchange.submit(
            self._deps, current_caller(), single=convert.posts_one_observation(request.path), body=request.body,
            base_url=request.base_url))

    def SearchObservations(self, request, context):
        return convert.web_response(fhir_exchange.search(self._deps, current_caller(), query=request.query,
                                                         base_url=request.base_url))


def subject_data_servicer(deps: Dependencies) -> PulledErasureServicer:
    """ExportSubjectData only: the profile pulls its erasures from identity (meskit.erasure)."""
    def export(caller: Caller, account_id: str, export_id: str) -> Iterator[lifecycle_pb2.ExportChunk]:
        for path, content_type, data in subject.export(deps, caller, account_id, export_id):
            yield from file_chunks(path, content_type, data)
    return PulledErasureServicer(export)
