"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor."""
from __future__ import annotations

import json

from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from meskit.auth import current_caller

from identity.api import convert
from identity.domain import (access_reports, access_settings, accounts, attestations, care_consent, closure, creation,
                             delegations, directory, email_change, erasures, legal_representation, mail_addresses,
                             opposition, patient_lookup, suspension)
from identity.domain.login import Login
from identity.domain.ports import Dependencies
from identity.domain.service_clients import ServiceClients


def client_address(context) -> str:
    metadata = dict(context.invocation_metadata())
    forwarded = metadata.get("x-forwarded-for", "")
    return forwarded.split(",")[0].strip() if forwarded else context.peer()


def new_account(request) -> accounts.NewAccount:
    return accounts.NewAccount(
        nir=request.nir.upper(), vitale_serial=request.vitale_serial, given_name=request.given_name.strip(),
        family_name=request.family_name.strip(), birth_date=request.birth_date,
        sex=convert.SEX_FROM_PB.get(request.sex, ""), email=request.email.strip(), phone=request.phone,
        postal_address=request.postal_address, legal_representative_account_id=request.legal_representative_account_id)


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, deps: Dependencies, service_clients: ServiceClients,
                 erasure_plan: erasures.ErasurePlan | None = None):
        self._deps = deps
        self._erasure_plan = erasure_plan or erasures.ErasurePlan()
        self._login = Login(deps)
        self._service_clients = service_clients

    def CreateAccount(self, request, context):
        created, code, expires_at = accounts.create_account(self._deps, current_caller(), new_account(request))
        return pb.CreateAccountResponse(account=convert.account(created), provisional_code=code,
                                        provisional_code_expires_at=convert.timestamp(expires_at))

    def ImportInsurerFeed(self, request, context):
        results = creation.import_feed(self._deps, current_caller(), [new_account(p) for p in request.people])
        outcomes = [r.outcome for r in results]
        return pb.ImportInsurerFeedResponse(
            results=[convert.feed_result(r) for r in results], announced=outcomes.count(creation.ANNOUNCED_OUTCOME),
            already_known=outcomes.count(creation.ALREADY_KNOWN), rejected=outcomes.count(creation.REJECTED))

    def RecordOpposition(self, request, context):
        recorded = opposition.oppose_online(self._deps, opposition.Proofs(
            provisional_code=request.provisional_code, nir=request.nir.strip(),
            vitale_serial=request.vitale_serial.strip()), client_address(context))
        return convert.opposition(recorded, opposition.CHANNEL_LABELS[recorded.channel])

    def RecordPhoneOpposition(self, request, context):
        recorded = opposition.oppose_by_phone(self._deps, current_caller(), request.nir.strip().upper(),
                                              request.vitale_serial.strip())
        return convert.opposition(recorded, opposition.CHANNEL_LABELS[recorded.channel])

    def GetOppositionProof(self, request, context):
        recorded = opposition.get_proof(self._deps, current_caller(), request.account_id)
        return convert.opposition(recorded, opposition.CHANNEL_LABELS[recorded.channel])

    def CountAccountsByStatus(self, request, context):
        counts = accounts.count_by_status(self._deps, current_caller())
        return pb.CountAccountsByStatusResponse(counts=[
            pb.StatusCount(status=convert.STATUS[status], count=count) for status, count in sorted(counts.items())])

    def ListAccounts(self, request, context):
        found, token = accounts.list_accounts(self._deps, current_caller(),
                                              convert.STATUS_FROM_PB.get(request.status, ""), request.page_size,
                                              request.page_token)
        return pb.ListAccountsResponse(accounts=[convert.account(a) for a in found], next_page_token=token)

    def GetAccount(self, request, context):
        return convert.account(accounts.get_account(self._deps, current_caller(), request.account_id))

    def UpdateContact(self, request, context):
        change = accounts.ContactChange(email=request.email.strip(), phone=request.phone.strip(),
                                        postal_address=request.postal_address.strip())
        return convert.account(accounts.update_contact(self._deps, current_caller(), request.account_id, change))

    def StartEmailChange(self, request, context):
        started = email_change.start_email_change(self._deps, current_caller(), request.account_id,
                                                  request.new_email.strip(), request.password)
        return pb.StartEmailChangeResponse(change_id=started.change_id, code_sent_to=started.code_sent_to,
                                           expires_at=convert.timestamp(started.expires_at))

    def ConfirmEmailChange(self, request, context):
        return convert.account(email_change.confirm_email_change(self._deps, current_caller(), request.account_id,
                                                                 request.change_id, request.code.strip()))

    def CloseAccount(self, request, context):
        return convert.account(closure.close_account(self._deps, current_caller(), request.account_id,
                                                     request.password, request.delete_data))

    def ActivateAccount(self, request, context):
        activated = accounts.activate_account(self._deps, accounts.Activation(
            provisional_code=request.provisional_code, nir=request.nir.strip(),
            vitale_serial=request.vitale_serial.strip(), login_id=request.login_id,
            password=request.password, email=request.email.strip(), accept_terms=request.accept_terms),
            client_address(context))
        return pb.ActivateAccountResponse(account=convert.account(activated))

    def StartLogin(self, request, context):
        started = self._login.start(request.login_id, request.password, client_address(context), request.reopen)
        return pb.StartLoginResponse(challenge_id=started.challenge_id, code_sent_to=started.code_sent_to,
                                     expires_at=convert.timestamp(started.expires_at))

    def CompleteLogin(self, request, context):
        return self._session(self._login.complete(request.challenge_id, request.code, client_address(context),
                                                  request.reopen))

    def RefreshSession(self, request, context):
        return self._session(self._login.refresh(request.refresh_token))

    def Logout(self, request, context):
        self._login.logout(request.refresh_token)
        return pb.LogoutResponse()

    def GetJwks(self, request, context):
        return pb.GetJwksResponse(jwks_json=json.dumps(self._deps.signer.jwks()))

    def IssueServiceToken(self, request, context):
        token, expires_at = self._service_clients.issue(request.service_name, request.client_secret)
        return pb.ServiceToken(access_token=token, expires_at=convert.timestamp(expires_at))

    def CreateProfessional(self, request, context):
        created = accounts.create_professional(self._deps, current_caller(), accounts.NewProfessional(
            rpps=request.rpps, profession_code=request.profession_code, given_name=request.given_name.strip(),
            family_name=request.family_name.strip(), specialty=request.specialty, login_id=request.login_id,
            password=request.password, email=request.email.strip(), samu_regulator=request.samu_regulator,
            occupational_medicine=request.occupational_medicine, insurer_doctor=request.insurer_doctor,
            mssante_address=request.mssante_address, city=request.city.strip()))
        return convert.professional(created)

    def GetProfessional(self, request, context):
        return convert.professional(accounts.get_professional(self._deps, current_caller(), request.professional_id))

    def SearchProfessionals(self, request, context):
        page = directory.search_professionals(
            self._deps, current_caller(), query=request.query, profession_code=request.profession_code,
            city=request.city, page_size=request.page_size, page_token=request.page_token)
        return pb.SearchProfessionalsResponse(professionals=[convert.professional(p) for p in page.professionals],
                                              next_page_token=page.next_page_token)

    def FindPatient(self, request, context):
        found = patient_lookup.find_patient(self._deps, current_caller(), nir=request.nir,
                                            family_name=request.family_name, birth_date=request.birth_date,
                                            given_name=request.given_name)
        return pb.FoundPatient(patient_id=found.account_id, given_name=found.given_name,
                               family_name=found.family_name, birth_date=found.birth_date.isoformat())

    # ---- the patient's access settings ----
    def GetAccessSettings(self, request, context):
        return convert.access_settings(access_settings.get_access_settings(
            self._deps, current_caller(), request.patient_id))

    def UpdateEmergencySettings(self, request, context):
        return convert.access_settings(access_settings.update_emergency_settings(
            self._deps, current_caller(), request.patient_id, convert.emergency_from_pb(request)))

    def SetMaskNewDocumentsByDefault(self, request, context):
        return convert.access_settings(access_settings.set_mask_new_documents_by_default(
            self._deps, current_caller(), request.patient_id, request.mask))

    def BlockProfessional(self, request, context):
        return convert.access_settings(access_settings.block_professional(
            self._deps, current_caller(), request.patient_id, request.professional_id))

    def ResolveMailAddresses(self, request, context):
        addresses, patients = mail_addresses.resolve(self._deps, current_caller(), list(request.addresses),
                                                     request.patient_domain, list(request.patient_ids))
        return pb.ResolveMailAddressesResponse(
            addresses=[pb.ResolvedMailAddress(address=a, patient_id=p, professional_id=r) for a, p, r in addresses],
            patients=[pb.PatientMailAddress(patient_id=p, address=a) for p, a in patients])

    def UnblockProfessional(self, request, context):
        return convert.access_settings(access_settings.unblock_professional(
            self._deps, current_caller(), request.patient_id, request.professional_id))

    def AddCareTeamMember(self, request, context):
        return convert.access_settings(access_settings.add_care_team_member(
            self._deps, current_caller(), request.patient_id, request.professional_id,
            convert.care_team_role(request.role), request.administrator))

    def RemoveCareTeamMember(self, request, context):
        return convert.access_settings(access_settings.remove_care_team_member(
            self._deps, current_caller(), request.patient_id, request.professional_id))

    # ---- suspicious-access reports ----
    def ReportSuspiciousAccess(self, request, context):
        return convert.access_report(access_reports.report_suspicious_access(
            self._deps, current_caller(), request.patient_id, request.record_id, request.comment,
            request.block_professional))

    def ListAccessReports(self, request, context):
        found, token = access_reports.list_access_reports(
            self._deps, current_caller(), patient_id=request.patient_id, professional_id=request.professional_id,
            page_size=request.page_size, page_token=request.page_token)
        return pb.ListAccessReportsResponse(reports=[convert.access_report(r) for r in found], next_page_token=token)

    def DeclareCareConsent(self, request, context):
        member, declared = care_consent.declare_care_consent(self._deps, current_caller(), request.patient_id)
        return convert.care_consent_declaration(request.patient_id, member, declared)

    def ListPendingAttestations(self, request, context):
        found = attestations.list_pending(self._deps, current_caller(), request.limit)
        return pb.ListPendingAttestationsResponse(attestations=[convert.attestation(a) for a in found])

    def AcknowledgeAttestations(self, request, context):
        return pb.AcknowledgeAttestationsResponse(acknowledged=attestations.acknowledge(
            self._deps, current_caller(), list(request.attestation_ids)))

    # ---- erasures (DOMAIN §4.4) ----
    def ListPendingErasures(self, request, context):
        found = erasures.list_pending(self._deps, self._erasure_plan, current_caller(), request.limit)
        return pb.ListPendingErasuresResponse(erasures=[
            pb.PendingErasure(erasure_id=e.erasure_id, account_id=e.account_id) for e in found])

    def ReportErasure(self, request, context):
        return pb.ReportErasureResponse(erasure_complete=erasures.report(
            self._deps, self._erasure_plan, current_caller(), request.erasure_id,
            {c.kind: c.count for c in request.erased}))

    def ListErasures(self, request, context):
        found = erasures.list_for_operator(self._deps, current_caller(), request.account_id, request.limit)
        return pb.ListErasuresResponse(erasures=[convert.erasure(e, self._erasure_plan.participants) for e in found])

    # ---- suspension ----
    def SuspendAccount(self, request, context):
        return convert.account(suspension.suspend(self._deps, current_caller(), request.account_id, request.reason))

    def RecordSuspensionObjection(self, request, context):
        return convert.account(suspension.record_objection(self._deps, current_caller(), request.account_id))

    def LiftSuspension(self, request, context):
        return convert.account(suspension.lift(self._deps, current_caller(), request.account_id))

    def GetAccessContext(self, request, context):
        return convert.access_context(access_settings.get_access_context(
            self._deps, current_caller(), request.patient_id, request.professional_id, request.app_id,
            request.app_token_id, request.known_version))

    # ---- delegations ----
    def CreateDelegation(self, request, context):
        created = delegations.create_delegation(self._deps, current_caller(), delegations.Invitation(
            patient_id=request.patient_id, type=convert.DELEGATION_TYPE_FROM_PB.get(request.type, ""),
            family_name=request.delegate_family_name.strip(), given_name=request.delegate_given_name.strip(),
            birth_date=request.delegate_birth_date.strip(), ends_on=request.ends_on.strip()))
        return convert.delegation(created, created.state)

    def ListDelegations(self, request, context):
        found, token, names = delegations.list_delegations(self._deps, current_caller(), request.patient_id,
                                                           request.page_size, request.page_token)
        return pb.ListDelegationsResponse(delegations=[convert.delegation(d, s, names) for d, s in found],
                                          next_page_token=token)

    def RespondToDelegation(self, request, context):
        answered = delegations.respond(self._deps, current_caller(), request.delegation_id, request.accept)
        return convert.delegation(answered, answered.state)

    def RevokeDelegation(self, request, context):
        revoked = delegations.revoke(self._deps, current_caller(), request.delegation_id)
        return convert.delegation(revoked, revoked.state)

    def CreateLegalRepresentation(self, request, context):
        created = legal_representation.create_legal_representation(
            self._deps, current_caller(), request.patient_id.strip(), request.delegate_account_id.strip(),
            request.reason)
        return convert.delegation(created, created.state)

    def SwitchProfile(self, request, context):
        issued = delegations.switch_profile(self._deps, current_caller(), request.patient_id)
        return pb.DelegateToken(access_token=issued.access_token,
                                access_token_expires_at=convert.timestamp(issued.expires_at),
                                patient_id=issued.patient_id, delegate_account_id=issued.delegate_id,
                                delegation_type=convert.DELEGATION_TYPES[issued.type], scopes=list(issued.scopes),
                                token_type="Bearer")

    def SetDelegationEndDate(self, request, context):
        changed = delegations.set_end_date(self._deps, current_caller(), request.delegation_id, request.ends_on.strip())
        return convert.delegation(changed, changed.state_on(self._deps.now()))

    @staticmethod
    def _session(tokens) -> pb.Session:
        return pb.Session(access_token=tokens.access_token,
                          access_token_expires_at=convert.timestamp(tokens.access_expires_at),
                          refresh_token=tokens.refresh_token,
                          refresh_token_expires_at=convert.timestamp(tokens.refresh_expires_at),
                          account_id=tokens.subject_id, token_type="Bearer")
