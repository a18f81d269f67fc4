"""The documents pages' pure parts: what a document's edit form sends (only what the API lets her
change, only what she changed), its French refusals, folder names, the format shown, and the list's
next-page link keeping the filters."""
from __future__ import annotations

from datetime import date

from portal.gateway import GatewayError
from portal.pages.document_page import changes, file_format, form_values, refused_fields
from portal.pages.folders import folder_name
from portal.rendering import Pages

TODAY = date(2026, 6, 1)
MINE = {"documentId": "d1", "title": "Ordonnance", "documentDate": "2026-01-10",
        "category": "DOCUMENT_CATEGORY_ORD_SOIN",
        "permissions": {"canUpdateTitle": True, "canUpdateDate": True, "canUpdateCategory": True}}


def typed(**changed: str) -> dict[str, str]:
    return {**form_values(MINE), **changed}


class TestDocumentChanges:
    def test_only_what_she_changed_is_sent(self):
        assert changes(MINE, typed(), TODAY) == ({}, {})
        body, errors = changes(MINE, typed(titre=" Ordonnance renouvelée ", jour="15", mois="3", annee="2025",
                                           categorie="CPT_REND"), TODAY)
        assert errors == {}
        assert body == {"title": "Ordonnance renouvelée", "documentDate": "2025-03-15",
                        "category": "DOCUMENT_CATEGORY_CPT_REND"}

    def test_what_the_api_does_not_permit_is_never_sent(self):
        theirs = {**MINE, "permissions": {"canUpdateTitle": False}}
        assert changes(theirs, typed(titre="Autre", annee="2020", categorie="BIOLOGIE"), TODAY) == ({}, {})

    def test_bad_values_are_refused_in_french_next_to_their_field(self):
        body, errors = changes(MINE, typed(titre=" ", jour="31", mois="2", annee="2025", categorie="XX"), TODAY)
        assert body == {}
        assert errors["titre"] == "Saisissez le titre du document"
        assert "vraie date" in errors["jour"]
        assert errors["categorie"] == "Choisissez la catégorie du document"
        assert "Saisissez la date" in changes(MINE, typed(jour="", mois="", annee=""), TODAY)[1]["jour"]
        assert "dans le passé" in changes(MINE, typed(annee="2027"), TODAY)[1]["jour"]

    def test_the_services_refusals_map_to_our_fields(self):
        refusal = GatewayError(400, "INVALID_ARGUMENT", "INVALID_DATE",
                               violations=[{"field": "document_date", "description": "in the future"}])
        assert list(refused_fields(refusal)) == ["jour"]
        assert refused_fields(GatewayError(400, "INVALID_ARGUMENT", "INVALID_DATE")) == {
            "jour": "La date du document doit être aujourd’hui ou dans le passé, par exemple 27 3 2026"}
        assert refused_fields(GatewayError(409, "ABORTED")) == {}


class TestShown:
    def test_the_format_from_the_content_type_or_the_file_name(self):
        assert file_format({"contentType": "application/pdf"}) == "PDF"
        assert file_format({"contentType": "text/plain; charset=utf-8"}) == "Texte"
        assert file_format({"contentType": "application/rtf", "filename": "lettre.rtf"}) == "RTF"
        assert file_format({}) == "Inconnu"

    def test_folder_names_of_1_to_50_characters(self):
        assert folder_name("  Cœur ") == ("Cœur", "")
        assert folder_name("   ")[1] == "Saisissez le nom du dossier"
        assert "50 caractères" in folder_name("x" * 51)[1]

    def test_the_next_page_link_keeps_the_filters(self):
        html = Pages().env.get_template("documents.html").render(
            request_path="/documents", csrf="c", signed_in=True, demo=False, menu=(), acting_for="", notice=None, errors={},
            values={}, documents=[{**MINE, "author": {"type": "AUTHOR_TYPE_PATIENT"}}], chosen="ORD_SOIN",
            categories={"ORD_SOIN": "Ordonnances et soins"}, sorts={"recents": ("X", "Les plus récents d’abord")},
            sort="recents", category=lambda code: "Ordonnances et soins", author=lambda d: "Vous",
            folders={"f1": {"folderId": "f1", "name": "Cœur"}}, folder="f1",
            next_page="categorie=ORD_SOIN&dossier=f1&page=abc", first_page=None)
        assert 'href="/documents?categorie=ORD_SOIN&amp;dossier=f1&amp;page=abc" rel="next"' in html
        assert "Page suivante" in html and "Première page" not in html
        assert "1 document sur cette page dans le dossier « Cœur »" in html
