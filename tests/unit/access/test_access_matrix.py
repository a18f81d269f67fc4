"""The matrix data file: faithful to DOMAIN.md §1.2/§1.4, validated at load, denies what it lacks."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from documents.adapters.matrix_file import MATRIX_FILE, load_matrix
from documents.domain.access import MatrixError, parse_matrix
from tests.unit.access.builders import MATRIX
from tests.unit.access.seed import DOMAIN_1_3_CLASSES, SEED_GROUPS, SEED_ROWS, class_default_readers

VALID = """\
version: 1
groups:
  medecins: ["10"]
  infirmiers: ["60", "69"]
columns: [medecins, infirmiers]
types:
  "11488-4": {class_code: "10", provisional: true, read: [1, 0], label: "CR de consultation"}
"""


def invalid(text: str) -> str:
    with pytest.raises(MatrixError) as info:
        parse_matrix(text, source="test.yaml")
    return str(info.value)


class TestPackagedMatrix:
    def test_loads_and_validates(self):
        matrix = load_matrix()
        assert len(matrix.types) == 102          # every typeCode of DOMAIN.md §1.3
        assert matrix.source == str(MATRIX_FILE)

    def test_profession_groups_are_domain_1_2(self):
        assert {g: set(codes) for g, codes in MATRIX.groups.items()} == SEED_GROUPS

    @pytest.mark.parametrize("row", SEED_ROWS, ids=[r["type_code"] for r in SEED_ROWS])
    def test_each_row_is_the_seed_row(self, row):
        type_row = MATRIX.types[row["type_code"]]
        expected = {g for g in SEED_GROUPS if row[g] == "1"}
        assert (type_row.class_code, set(type_row.readers)) == (row["class_code"], expected)

    def test_every_dmp_type_has_its_row_with_its_class_and_every_row_is_provisional(self):
        assert {code: r.class_code for code, r in MATRIX.types.items()} == DOMAIN_1_3_CLASSES
        assert all(r.provisional for r in MATRIX.types.values())

    def test_rows_per_class_are_the_counts_of_domain_1_3(self):
        counts = Counter(r.class_code for r in MATRIX.types.values())
        assert counts == {"10": 35, "11": 20, "31": 4, "42": 14, "43": 2, "44": 6, "45": 1, "52": 7, "60": 1,
                          "90": 4, "95": 8}

    @pytest.mark.parametrize("type_code", sorted(set(DOMAIN_1_3_CLASSES) - {r["type_code"] for r in SEED_ROWS}))
    def test_every_row_not_from_the_seed_is_the_class_default_of_10_1(self, type_code):
        assert set(MATRIX.types[type_code].readers) == class_default_readers(type_code)

    def test_rows_the_seed_doubts_are_marked(self):
        doubtful = {code for code, r in MATRIX.types.items() if r.doubtful}
        assert doubtful == {"51969-4", "15508-5", "47420-5", "11502-2"}

    def test_version_follows_the_text(self):
        assert parse_matrix(VALID).version == parse_matrix(VALID).version
        assert parse_matrix(VALID).version != parse_matrix(VALID.replace("read: [1, 0]", "read: [1, 1]")).version
        assert MATRIX.version.startswith("1-")


class TestLookup:
    @pytest.mark.parametrize("row", SEED_ROWS, ids=[r["type_code"] for r in SEED_ROWS])
    def test_every_profession_code_against_every_seed_row(self, row):
        matrix = MATRIX
        for group, codes in SEED_GROUPS.items():
            for code in codes:
                groups = [g for g, cs in SEED_GROUPS.items() if code in cs]
                expected = all(row[g] == "1" for g in groups)
                assert matrix.lookup(code, row["type_code"]).allowed is expected, (code, group)

    @pytest.mark.parametrize("type_code", ["28617-9", "PIECE-IDENTITE", "EXPORT_DUI", "NOT-A-TYPE", ""])
    def test_types_without_a_row_are_unknown_and_denied(self, type_code):
        found = MATRIX.lookup("10", type_code)
        assert (found.allowed, found.known_type, found.known_profession) == (False, False, True)

    @pytest.mark.parametrize("code", ["31", "32", "86", "93", "35", "", "1", "xx"])
    def test_professions_without_a_column_are_unknown_and_denied(self, code):
        found = MATRIX.lookup(code, "11488-4")
        assert (found.allowed, found.known_profession, found.known_type) == (False, False, True)

    def test_pharmacist_is_in_both_pharmacist_columns(self):
        assert MATRIX.groups_of("21") == ("pharmaciens_biologistes",
                                                    "pharmaciens_officine_hospitaliers_preparateurs")

    def test_code_in_two_columns_reads_only_if_both_grant(self):
        text = VALID.replace('infirmiers: ["60", "69"]', 'infirmiers: ["60", "10"]')
        matrix = parse_matrix(text)
        assert matrix.lookup("10", "11488-4").allowed is False     # medecins 1, infirmiers 0
        assert matrix.lookup("60", "11488-4").allowed is False
        both = parse_matrix(text.replace("read: [1, 0]", "read: [1, 1]"))
        assert both.lookup("10", "11488-4").allowed is True


class TestLoaderRejects:
    def test_a_valid_file_parses(self):
        assert parse_matrix(VALID).lookup("69", "11488-4").allowed is False

    def test_not_yaml(self):
        assert "not valid YAML" in invalid("groups: [unclosed")

    def test_not_a_mapping(self):
        assert "expected a mapping" in invalid("- a\n- b\n")

    def test_wrong_version(self):
        assert "version" in invalid(VALID.replace("version: 1", "version: 2"))

    def test_unknown_top_level_key(self):
        assert "unknown top-level keys ['extra']" in invalid(VALID + "extra: 1\n")

    def test_unknown_group_in_columns(self):
        message = invalid(VALID.replace("columns: [medecins, infirmiers]", "columns: [medecins, infirmieres]"))
        assert "unknown group(s) ['infirmieres']" in message
        assert "without a column ['infirmiers']" in message

    def test_group_listed_twice_in_columns(self):
        message = invalid(VALID.replace("columns: [medecins, infirmiers]",
                                        "columns: [medecins, infirmiers, medecins]"))
        assert "listed twice ['medecins']" in message

    def test_unquoted_profession_code(self):
        assert "quoted two-digit strings" in invalid(VALID.replace('medecins: ["10"]', "medecins: [10]"))

    def test_bad_group_name(self):
        assert "bad group name" in invalid(VALID.replace("medecins:", "Médecins:", 1))

    def test_flag_other_than_0_or_1(self):
        message = invalid(VALID.replace("read: [1, 0]", "read: [1, 2]"))
        assert "types.11488-4.read: flags must be 0 or 1, got infirmiers=2" in message

    def test_boolean_flags_are_refused(self):
        assert "flags must be 0 or 1" in invalid(VALID.replace("read: [1, 0]", "read: [true, false]"))

    def test_string_flags_are_refused(self):
        assert "flags must be 0 or 1" in invalid(VALID.replace("read: [1, 0]", 'read: ["1", 0]'))

    def test_wrong_number_of_flags(self):
        assert "expected 2 flags (one per column), got 3" in invalid(VALID.replace("read: [1, 0]", "read: [1, 0, 1]"))

    def test_unknown_class_code(self):
        assert "'12' is not a TRE_A03 class code" in invalid(VALID.replace('class_code: "10"', 'class_code: "12"'))

    def test_missing_label(self):
        assert "label: required" in invalid(VALID.replace(', label: "CR de consultation"', ""))

    def test_provisional_must_be_boolean(self):
        assert "provisional: true or false" in invalid(VALID.replace("provisional: true", "provisional: 1"))

    def test_unknown_row_field(self):
        assert "unknown field(s) ['reads']" in invalid(VALID.replace("read: [1, 0]", "read: [1, 0], reads: 1"))

    def test_duplicate_type_code(self):
        line = '  "11488-4": {class_code: "10", read: [1, 1], label: "again"}\n'
        assert "duplicate key '11488-4'" in invalid(VALID + line)

    def test_duplicate_group(self):
        assert "duplicate key 'medecins'" in invalid(VALID.replace('  infirmiers: ["60", "69"]\n',
                                                                   '  infirmiers: ["60", "69"]\n  medecins: ["10"]\n'))

    def test_all_problems_are_listed_at_once(self):
        message = invalid(VALID.replace('class_code: "10"', 'class_code: "12"').replace("read: [1, 0]", "read: [1]"))
        assert "class_code" in message and "expected 2 flags" in message

    def test_error_names_the_file(self, tmp_path: Path):
        path = tmp_path / "broken.yaml"
        path.write_text(VALID.replace("read: [1, 0]", "read: [1, 9]"), encoding="utf-8")
        with pytest.raises(MatrixError, match="broken.yaml"):
            load_matrix(path)


class TestLoaderNamesTheLine:
    """Each refusal names the line of the file and the field (the service then refuses to start)."""

    def test_unknown_profession_code_in_a_group(self):
        message = invalid(VALID.replace('infirmiers: ["60", "69"]', 'infirmiers: ["60", "77"]'))
        assert "line 4: groups.infirmiers: unknown TRE_G15 profession code(s) ['77']" in message

    @pytest.mark.parametrize("code", ["31", "32", "86", "35"])
    def test_known_codes_absent_from_the_seed_may_get_a_column(self, code):
        text = VALID.replace('infirmiers: ["60", "69"]', f'infirmiers: ["60", "{code}"]')
        assert parse_matrix(text).groups_of(code) == ("infirmiers",)

    def test_unknown_type_code(self):
        message = invalid(VALID + '  "99999-9": {class_code: "10", read: [1, 0], label: "?"}\n')
        assert "line 8: types.99999-9: unknown DMP typeCode '99999-9'" in message

    def test_class_that_is_not_the_types_class(self):
        message = invalid(VALID.replace('class_code: "10"', 'class_code: "11"'))
        assert "line 7: types.11488-4.class_code: '11' is not the class of 11488-4 in the DMP map ('10'" in message

    def test_unmapped_j07_codes_take_the_operators_class(self):
        text = VALID + '  "PIECE-IDENTITE": {class_code: "95", read: [1, 0], label: "Pièce d\'identité"}\n'
        assert parse_matrix(text).types["PIECE-IDENTITE"].class_code == "95"

    def test_wrong_flag_names_its_line(self):
        assert "line 7: types.11488-4.read: flags must be 0 or 1" in invalid(VALID.replace("read: [1, 0]", "read: [1, 2]"))

    def test_provisional_flag_names_its_line(self):
        assert "line 7: types.11488-4.provisional" in invalid(VALID.replace("provisional: true", "provisional: yes please"))

    def test_malformed_yaml_names_its_line(self):
        message = invalid(VALID.replace('  "11488-4": {', '  "11488-4": {{'))
        assert "line 7" in message and "not valid YAML" in message

    def test_duplicate_key_names_its_line(self):
        message = invalid(VALID + '  "11488-4": {class_code: "10", read: [1, 1], label: "again"}\n')
        assert "line 8: duplicate key '11488-4'" in message

    def test_a_row_on_several_lines_names_the_fields_line(self):
        text = VALID.replace('  "11488-4": {class_code: "10", provisional: true, read: [1, 0], label: "CR de consultation"}\n',
                             '  "11488-4":\n    class_code: "10"\n    label: "CR"\n    read: [1, 3]\n')
        assert "line 10: types.11488-4.read" in invalid(text)

    def test_the_shipped_file_with_one_bad_cell_names_its_line(self):
        text = MATRIX_FILE.read_text(encoding="utf-8")
        number, line = next((i + 1, l) for i, l in enumerate(text.splitlines()) if l.startswith('  "57833-6"'))
        broken = text.replace(line, line.replace('class_code: "42"', 'class_code: "43"'))
        assert f"line {number}: types.57833-6.class_code: '43' is not the class" in invalid(broken)
