"""The demo patient's medical profile: her allergies, her treatments and a weight series (with her
height, so the BMI is computed). Written once: a state file that has "profile" is left as it is."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from mes.profile.v1 import profile_pb2 as pb
from mes.profile.v1 import profile_pb2_grpc

ALLERGIES = ({"name": "Pénicilline", "comment": "Urticaire géante en 1998"}, {"name": "Pollens de graminées"})
TREATMENTS = ({"name": "Levothyrox 75 µg", "dosage": "1 comprimé le matin à jeun", "start": {"year": 2012}},
              {"name": "Amlodipine 5 mg", "dosage": "1 comprimé le soir", "start": {"year": 2019, "month": 4}})
HEIGHT_M = 1.62
WEIGHTS_KG = ((180, 71.4), (120, 70.2), (60, 69.0), (7, 68.3))   # (days ago, kg)


def _ago(days: int) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(timezone.utc) - timedelta(days=days))
    return ts


def seed_profile(profile_addr: str, patient_token: str, patient_id: str) -> dict:
    """What the demo's state file keeps of it."""
    metadata = [("authorization", f"Bearer {patient_token}")]
    with grpc.insecure_channel(profile_addr) as channel:
        stub = profile_pb2_grpc.ProfileServiceStub(channel)
        for allergy in ALLERGIES:
            stub.AddEntry(pb.AddEntryRequest(patient_id=patient_id, entry=pb.Entry(
                section=pb.SECTION_ALLERGIES, **allergy)), metadata=metadata, timeout=10)
        for treatment in TREATMENTS:
            fields = {**treatment, "start": pb.PartialDate(**treatment["start"])}
            stub.AddEntry(pb.AddEntryRequest(patient_id=patient_id, entry=pb.Entry(
                section=pb.SECTION_TREATMENTS, **fields)), metadata=metadata, timeout=10)
        stub.AddMeasurement(pb.AddMeasurementRequest(patient_id=patient_id, measurement=pb.Measurement(
            code="HEIGHT", effective_time=_ago(200), metrics=[pb.Metric(code="HEIGHT", value=HEIGHT_M, unit="m")])),
            metadata=metadata, timeout=10)
        for days, kg in WEIGHTS_KG:
            stub.AddMeasurement(pb.AddMeasurementRequest(patient_id=patient_id, measurement=pb.Measurement(
                code="WEIGHT", effective_time=_ago(days), metrics=[pb.Metric(code="WEIGHT", value=kg, unit="kg")])),
                metadata=metadata, timeout=10)
    return {"profile": {"allergies": [a["name"] for a in ALLERGIES], "treatments": [t["name"] for t in TREATMENTS],
                        "weights_kg": [kg for _, kg in WEIGHTS_KG]}}
