"""Identity's part of the export (mes.lifecycle.v1 ExportSubjectData): her account, delegations, care
team and settings as JSON under `identite/`, for the exports service only."""
from __future__ import annotations

import json

import grpc
import pytest
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit.auth import SERVICE, Caller
from test_identity_closure import Holders
from test_identity_delegations import fails


@pytest.fixture
def holders(identity) -> Holders:
    return Holders(identity)


def export(identity, account_id: str, service: str = "exports") -> dict[str, object]:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(identity.channel)
    chunks = stub.ExportSubjectData(lpb.ExportSubjectDataRequest(account_id=account_id, export_id="e-1"),
                                    metadata=identity.as_(Caller(SERVICE, service)))
    return {c.path: (c.content_type, json.loads(c.data)) for c in chunks}


def test_her_identity_data_are_exported_under_identite(identity, holders):
    jeanne, caregiver = holders.holder("Jeanne"), holders.holder("Marc", "Petit")
    holders.caregiver_of(jeanne, caregiver)
    files = export(identity, jeanne)
    assert sorted(files) == ["identite/compte.json", "identite/delegations.json", "identite/equipe-de-soins.json",
                             "identite/parametres.json"]
    kind, account = files["identite/compte.json"]
    assert kind == "application/json"
    assert (account["prenom"], account["nom"], account["statut"]) == ("Jeanne", "Durand", "ACTIVE")
    [link] = files["identite/delegations.json"][1]
    assert (link["type"], link["etat"], link["personne"], link["sens"]) == ("CAREGIVING", "ACCEPTED", "Marc Petit",
                                                                           "pour moi")
    assert files["identite/parametres.json"][1]["acces_samu"] is True


def test_only_the_exports_service_asks(identity, holders):
    jeanne = holders.holder("Jeanne")
    fails(lambda: export(identity, jeanne, service="documents"), grpc.StatusCode.PERMISSION_DENIED, "NOT_EXPORTER")
    fails(lambda: export(identity, "00000000-0000-0000-0000-000000000000"), grpc.StatusCode.NOT_FOUND)
    fails(lambda: export(identity, ""), grpc.StatusCode.INVALID_ARGUMENT)
