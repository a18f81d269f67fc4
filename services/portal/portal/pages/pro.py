"""The professionals' pages: find a patient (NIR, family name, birth date: posted, never in a URL),
her documents as the access matrix lets them read (normal mode once she consented, or break-glass
with a justification), the consent declared during care, a deposit with its type code and a message.

The patient found, and a break-glass justification for her only, are kept in the session:
session["pro_patient"] = {"patient_id", "given_name", "family_name", "birth_date"} and
session["pro_access"] = {"patient_id", "justification", "family_name", "given_name", "birth_date"}."""
from __future__ import annotations

import json
import secrets
from datetime import date
from urllib.parse import quote, urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import forms, labels
from portal.auth import Caller, professional
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages.pro_forms import (DECLARE_REFUSALS, FIELD_CHECKS, FIND_FIELDS, FINAL_REFUSALS, MESSAGE_REFUSED,
                                    MISMATCH, NOT_FOUND, OTHER_REFUSAL, REFUSALS, UPLOAD_REFUSALS, access_params,
                                    birth_date, find_form)
from portal.rendering import Pages, french_size
from portal.session import session_of

MULTIPART_ALLOWANCE = 64 * 1024


def routes(pages: Pages) -> list[Route]:
    def found_patient(request: Request) -> dict | None:
        patient = session_of(request).get("pro_patient")
        return patient if isinstance(patient, dict) and patient.get("patient_id") else None

    @professional
    async def find(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return pages.render(request, "pro_find.html", patient=found_patient(request))
        form = find_form(text_fields(await posted(request)))
        if form.valid:
            try:
                found = await gateway_of(request).call("POST", "/v1/patients:find", token=caller.token,
                                                       json=form.clean)
            except GatewayError as exc:
                if exc.status == 404:
                    form.errors["_"] = NOT_FOUND
                elif exc.status == 400 and exc.violations:
                    for name in exc.fields():
                        field = FIND_FIELDS.get(name, "nir")
                        form.error(field, FIELD_CHECKS[field])
                else:
                    raise
            else:
                session = session_of(request)
                session["pro_patient"] = {"patient_id": found["patientId"], "given_name": found.get("givenName", ""),
                                          "family_name": found.get("familyName", ""),
                                          "birth_date": found.get("birthDate", "")}
                session.pop("pro_access")
                return RedirectResponse("/pro/patient", 303)
        return pages.render(request, "pro_find.html", 400, patient=None, values=form.values,
                            errors=form.errors)

    async def patient_page(request: Request, caller: Caller, patient: dict, status: int = 200,
                           errors: dict | None = None) -> Response:
        session = session_of(request)
        params = access_params(session, patient["patient_id"])
        documents, refusal, reason = None, "", ""
        try:
            listed = await gateway_of(request).call(
                "GET", f"/v1/patients/{patient['patient_id']}/documents", token=caller.token,
                params={"pageSize": 100, **params})
            documents = listed.get("documents", [])
            reason = listed.get("spaceRefusal", "")           # only what he filed is listed, and why
            if reason:
                refusal = REFUSALS.get(reason, OTHER_REFUSAL)
        except GatewayError as exc:
            if exc.status not in (400, 403):
                raise
            reason = exc.reason
            refusal = MISMATCH if reason == "PATIENT_IDENTITY_MISMATCH" else REFUSALS.get(reason, OTHER_REFUSAL)
            if params:                       # the emergency access no longer works: back to normal mode
                session.pop("pro_access")
                params = {}
        return pages.render(request, "pro_patient.html", status, patient=patient, documents=documents,
                            refusal=refusal, ways_forward=bool(refusal) and reason not in FINAL_REFUSALS,
                            emergency=bool(params), errors=errors or {},
                            category=labels.category, author=labels.author,
                            type_label=lambda code: labels.PROFESSIONAL_TYPE_CODES.get(code, ""))

    @professional
    async def patient(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        return await patient_page(request, caller, chosen)

    @professional
    async def declare(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        form = await posted(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        if form.get("certifie") != "oui":
            return await patient_page(request, caller, chosen, 400, {
                "certifie": "Cochez la case pour certifier que le patient a consenti à votre accès"})
        try:
            await gateway_of(request).call("POST", f"/v1/patients/{chosen['patient_id']}/care-team/declarations",
                                           token=caller.token, json={})
        except GatewayError as exc:
            if exc.status != 400 or exc.reason not in DECLARE_REFUSALS:
                raise
            return await patient_page(request, caller, chosen, 400, {"certifie": DECLARE_REFUSALS[exc.reason]})
        session_of(request)["notice"] = ("Le consentement du patient est enregistré : vous faites partie de son "
                                         "équipe de soins. Le patient en est informé.")
        return RedirectResponse("/pro/patient", 303)

    @professional
    async def emergency(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        if request.method == "GET":
            return pages.render(request, "pro_emergency.html", patient=chosen)
        values = text_fields(await posted(request))
        values.pop("csrf", None)
        values = {name: value.strip() for name, value in values.items()}
        errors: dict[str, str] = {}
        if not values.get("nom"):
            errors["nom"] = "Saisissez le nom de famille du patient"
        if not values.get("prenom"):
            errors["prenom"] = "Saisissez le prénom du patient"
        born, problem = birth_date(values)
        if problem:
            errors["jour"] = problem
        if not values.get("justification"):
            errors["justification"] = "Expliquez pourquoi vous accédez en urgence au dossier du patient"
        elif len(values["justification"]) > 1000:
            errors["justification"] = "La justification compte au plus 1 000 caractères"
        if not errors:
            session = session_of(request)
            session["pro_access"] = {"patient_id": chosen["patient_id"], "justification": values["justification"],
                                     "family_name": values["nom"], "given_name": values["prenom"],
                                     "birth_date": born}
            try:
                await gateway_of(request).call(
                    "GET", f"/v1/patients/{chosen['patient_id']}/documents", token=caller.token,
                    params={"pageSize": 1, **access_params(session, chosen["patient_id"])})
            except GatewayError as exc:
                session.pop("pro_access")
                if exc.status == 400 and exc.reason == "PATIENT_IDENTITY_MISMATCH":
                    errors["nom"] = MISMATCH
                elif exc.status == 400 and exc.violations:
                    errors["justification"] = "Vérifiez le nom, le prénom, la date de naissance et la justification"
                elif exc.status == 403:
                    errors["justification"] = REFUSALS.get(exc.reason, OTHER_REFUSAL)
                else:
                    raise
            else:
                session["notice"] = ("Accès en urgence ouvert. Chaque document que vous consultez est enregistré "
                                     "avec votre justification, et le patient en est informé.")
                return RedirectResponse("/pro/patient", 303)
        return pages.render(request, "pro_emergency.html", 400, patient=chosen, values=values, errors=errors)

    @professional
    async def end_emergency(request: Request, caller: Caller) -> Response:
        await posted(request)
        session_of(request).pop("pro_access")
        session_of(request)["notice"] = "L’accès en urgence est terminé."
        return RedirectResponse("/pro/patient", 303)

    @professional
    async def download(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        document_id = str(request.path_params["document_id"])
        params = access_params(session_of(request), chosen["patient_id"])
        path = f"/v1/patients/{chosen['patient_id']}/documents/{document_id}:download"
        answer = await gateway_of(request).download(path + ("?" + urlencode(params) if params else ""),
                                                    token=caller.token)
        passed = {name: answer.headers[name] for name in ("content-type", "content-disposition")
                  if name in answer.headers}
        passed.setdefault("content-disposition", f"attachment; filename*=UTF-8''{quote(document_id)}")
        return Response(answer.content, 200, headers=passed)

    async def policy_of(request: Request, caller: Caller) -> dict:
        policy = await gateway_of(request).call("GET", "/v1/document-upload-policy", token=caller.token)
        extensions = sorted({e.upper() for t in policy.get("acceptedFileTypes", []) for e in t.get("extensions", [])})
        return {"max_size": int(policy.get("maxSizeBytes", 0)), "formats": extensions,
                "accept": ",".join("." + e.lower() for e in extensions)}

    def deposit_page(request: Request, chosen: dict, policy: dict, status: int = 200, values: dict | None = None,
                     errors: dict | None = None) -> Response:
        return pages.render(request, "pro_deposit.html", status, patient=chosen, policy=policy,
                            type_codes=labels.PROFESSIONAL_TYPE_CODES, values=values or {}, errors=errors or {})

    @professional
    async def deposit(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        policy = await policy_of(request, caller)
        if request.method == "GET":
            return deposit_page(request, chosen, policy)
        limit = policy["max_size"]
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + MULTIPART_ALLOWANCE:
            return deposit_page(request, chosen, policy, 413, errors={
                "fichier": UPLOAD_REFUSALS["TOO_LARGE"].format(limit=french_size(limit))})
        form = await posted(request, max_files=1, max_part_size=MULTIPART_ALLOWANCE,
                            max_body=limit + MULTIPART_ALLOWANCE)
        values = text_fields(form)
        values.pop("csrf", None)
        errors: dict[str, str] = {}
        title = values.get("titre", "").strip()
        if len(title) > 255:
            errors["titre"] = "Le titre compte au plus 255 caractères"
        if values.get("type") not in labels.PROFESSIONAL_TYPE_CODES:
            errors["type"] = "Choisissez le type du document"
        when, problem = forms.document_date(values.get("jour", ""), values.get("mois", ""), values.get("annee", ""),
                                            date.today())
        if problem:
            errors["jour"] = problem
        chosen_file = form.get("fichier")
        content = b""
        if not isinstance(chosen_file, UploadFile) or not chosen_file.filename:
            errors["fichier"] = "Choisissez le fichier à déposer"
        else:
            content = await chosen_file.read(limit + 1)
            if len(content) > limit:
                errors["fichier"] = UPLOAD_REFUSALS["TOO_LARGE"].format(limit=french_size(limit))
            elif not content:
                errors["fichier"] = UPLOAD_REFUSALS["EMPTY"]
        if errors:
            return deposit_page(request, chosen, policy, 400, values, errors)
        assert isinstance(chosen_file, UploadFile)
        metadata = {"title": title, "typeCode": values["type"], "documentDate": when,
                    "uploadId": secrets.token_hex(16)}
        try:
            await gateway_of(request).upload(
                f"/v1/patients/{chosen['patient_id']}/documents", token=caller.token, metadata=json.dumps(metadata),
                filename=chosen_file.filename or "document", content=content,
                content_type=chosen_file.content_type or "application/octet-stream")
        except GatewayError as exc:
            refusal = UPLOAD_REFUSALS.get(exc.reason)
            if exc.status not in (400, 413) or (refusal is None and exc.status != 413):
                raise
            message = (refusal or UPLOAD_REFUSALS["TOO_LARGE"]).format(
                formats=", ".join(policy["formats"]), limit=french_size(limit))
            return deposit_page(request, chosen, policy, 400, values, {"fichier": message})
        session_of(request)["notice"] = (f"Le document « {title or chosen_file.filename} » a été déposé dans le "
                                         "dossier du patient.")
        return RedirectResponse("/pro/patient", 303)

    @professional
    async def write(request: Request, caller: Caller) -> Response:
        chosen = found_patient(request)
        if chosen is None:
            return RedirectResponse("/pro", 303)
        if request.method == "GET":
            return pages.render(request, "pro_message.html", patient=chosen)
        values = text_fields(await posted(request))
        values.pop("csrf", None)
        subject, body = values.get("objet", "").strip(), values.get("message", "").strip()
        errors: dict[str, str] = {}
        if not subject:
            errors["objet"] = "Saisissez l’objet du message"
        elif len(subject) > 200:
            errors["objet"] = "L’objet compte au plus 200 caractères"
        if not body:
            errors["message"] = "Écrivez votre message"
        elif len(body) > 20000:
            errors["message"] = "Le message compte au plus 20 000 caractères"
        if not errors:
            try:
                await gateway_of(request).call(
                    "POST", f"/v1/patients/{chosen['patient_id']}/conversations", token=caller.token,
                    json={"subject": subject, "body": body, "clientMessageId": secrets.token_hex(16)})
            except GatewayError as exc:
                if exc.status not in (400, 403):
                    raise
                errors["message"] = MESSAGE_REFUSED
            else:
                session_of(request)["notice"] = f"Votre message « {subject} » a été envoyé au patient."
                return RedirectResponse("/pro/patient", 303)
        return pages.render(request, "pro_message.html", 400, patient=chosen, values=values, errors=errors)

    return [Route("/pro", find, methods=["GET", "POST"]), Route("/pro/patient", patient),
            Route("/pro/patient/consentement", declare, methods=["POST"]),
            Route("/pro/patient/urgence", emergency, methods=["GET", "POST"]),
            Route("/pro/patient/urgence/fin", end_emergency, methods=["POST"]),
            Route("/pro/patient/deposer", deposit, methods=["GET", "POST"]),
            Route("/pro/patient/ecrire", write, methods=["GET", "POST"]),
            Route("/pro/patient/documents/{document_id:uuid}/telecharger", download)]
