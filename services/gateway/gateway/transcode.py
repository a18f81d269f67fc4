"""HTTP <-> proto: path variables, query parameters and JSON bodies into the request message;
the response message into proto3 JSON (lowerCamelCase names, fields without presence always
emitted, enums as names, 64-bit integers as strings).

JSON bodies are checked against the message descriptor before json_format parses them, so
that a wrong type, an unknown field or a control character (meskit.characters) is reported with
its path ("emergency.samuAccess"); so is a control character in a path or query parameter.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import math
import re
from collections.abc import Set as AbstractSet
from typing import cast
from urllib.parse import parse_qsl

from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from gateway.problems import Problem, invalid
from gateway.routes import Route
from meskit import characters
from meskit.errors import FieldViolation

F = FieldDescriptor
_INT_RANGES = {
    F.TYPE_INT32: (-2**31, 2**31 - 1), F.TYPE_SINT32: (-2**31, 2**31 - 1),
    F.TYPE_SFIXED32: (-2**31, 2**31 - 1), F.TYPE_UINT32: (0, 2**32 - 1), F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_INT64: (-2**63, 2**63 - 1), F.TYPE_SINT64: (-2**63, 2**63 - 1),
    F.TYPE_SFIXED64: (-2**63, 2**63 - 1), F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1),
}
_FLOATS = {F.TYPE_FLOAT, F.TYPE_DOUBLE}
_STRING_WKT = {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
WRAPPERS = {f"google.protobuf.{name}Value" for name in
             ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")}
_FREE_WKT = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
             "google.protobuf.Any"}
QUERY_LEAF_MESSAGES = _STRING_WKT | WRAPPERS     # messages a single query parameter can fill
MAX_QUERY_FIELDS = 200
_INTEGER = re.compile(r"-?[0-9]+")


# ---- request ------------------------------------------------------------------------------

def parse_json(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise invalid("Le corps de la requête n'est pas de l'UTF-8 valide", reason="MALFORMED_JSON") from None
    except json.JSONDecodeError as exc:
        raise invalid(f"JSON mal formé : {exc.msg} (ligne {exc.lineno}, colonne {exc.colno})",
                      reason="MALFORMED_JSON") from None
    except RecursionError:
        raise invalid("JSON mal formé : imbrication trop profonde", reason="MALFORMED_JSON") from None


def build_request(route: Route, variables: dict[str, str], query: str, body: object):
    """The request message of `route` from the matched path, the query string and the JSON body."""
    message = route.request_class()
    if route.body:
        _merge_body(route, message, body)
    for chain, variable in zip(route.path_fields, route.template.variables):
        _assign(message, chain, variables[variable], variable)
    if query:
        _merge_query(route, message, query)
    return message


def _merge_body(route: Route, message, body: object) -> None:
    if body is None:
        return
    violations: list[FieldViolation] = []
    if route.body == "*":
        check_object(body, message.DESCRIPTOR, "", violations)
    else:
        check_value(message.DESCRIPTOR.fields_by_name[route.body], body, "", violations)
    if violations:
        raise invalid("Corps de requête invalide", violations, reason="INVALID_FIELD")
    try:
        if route.body == "*":
            json_format.ParseDict(cast(dict, body), message)   # check_object saw an object
        else:
            target = message.DESCRIPTOR.fields_by_name[route.body]
            json_format.ParseDict({target.json_name: body}, message)
    except json_format.ParseError as exc:
        raise invalid("Corps de requête invalide : " + _short(str(exc)), reason="INVALID_FIELD") from None


def _short(message: str) -> str:
    return message.split("\n", 1)[0].split(" Available Fields", 1)[0].strip()


def check_object(value: object, descriptor: Descriptor, path: str, out: list[FieldViolation]) -> None:
    """Append a violation for every unknown field or JSON value of the wrong type."""
    if not isinstance(value, dict):
        out.append(FieldViolation(path or "(corps)", "doit être un objet JSON"))
        return
    fields = _fields_by_any_name(descriptor)
    for key, item in value.items():
        field = fields.get(key)
        where = f"{path}.{key}" if path else key
        if field is None:
            out.append(FieldViolation(where, "champ inconnu"))
        else:
            check_value(field, item, f"{path}.{field.json_name}" if path else field.json_name, out)


@functools.cache
def _fields_by_any_name(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    """Fields by proto name and by JSON name (descriptors live as long as the process)."""
    fields = dict(descriptor.fields_by_name)
    fields.update({f.json_name: f for f in descriptor.fields})
    return fields


def check_value(field: FieldDescriptor, value: object, path: str, out: list[FieldViolation]) -> None:
    if value is None:
        return
    if _is_map(field):
        if not isinstance(value, dict):
            out.append(FieldViolation(path, "doit être un objet JSON"))
            return
        value_field = field.message_type.fields_by_name["value"]
        for key, item in value.items():
            if characters.has_control(key):
                out.append(FieldViolation(path, f"{characters.DESCRIPTION} dans une clé"))
                continue
            check_single(value_field, item, f"{path}[{key}]", out)
    elif field.is_repeated:
        if not isinstance(value, list):
            out.append(FieldViolation(path, "doit être une liste"))
            return
        for index, item in enumerate(value):
            check_single(field, item, f"{path}[{index}]", out)
    else:
        check_single(field, value, path, out)


@functools.cache
def _is_map(field: FieldDescriptor) -> bool:
    return (field.type == F.TYPE_MESSAGE and field.is_repeated
            and field.message_type.GetOptions().map_entry)


def check_single(field: FieldDescriptor, value: object, path: str, out: list[FieldViolation]) -> None:
    if value is None:
        return
    if field.type == F.TYPE_MESSAGE:
        name = field.message_type.full_name
        if name in _STRING_WKT:
            if not isinstance(value, str):
                out.append(FieldViolation(path, "doit être une chaîne de caractères"))
            else:
                _check_wkt_text(field, value, path, out)
        elif name in WRAPPERS:
            check_single(field.message_type.fields_by_name["value"], value, path, out)
        elif name in _FREE_WKT:
            return
        else:
            check_object(value, cast(Descriptor, field.message_type), path, out)
        return
    problem = _scalar_problem(field, value)
    if problem:
        out.append(FieldViolation(path, problem))


def _check_wkt_text(field: FieldDescriptor, value: str, path: str, out: list[FieldViolation]) -> None:
    holder = message_factory.GetMessageClass(cast(Descriptor, field.message_type))()
    try:
        holder.FromJsonString(value)   # type: ignore[attr-defined]  # well-known types have it
    except ValueError:
        out.append(FieldViolation(path, _WKT_HINT[field.message_type.full_name]))


_WKT_HINT = {
    "google.protobuf.Timestamp": "doit être une date RFC 3339, par exemple 2025-01-31T09:30:00Z",
    "google.protobuf.Duration": "doit être une durée en secondes, par exemple 1.5s",
    "google.protobuf.FieldMask": "doit être une liste de champs séparés par des virgules",
}


def _scalar_problem(field: FieldDescriptor, value: object) -> str:
    kind = field.type
    if kind == F.TYPE_STRING:
        if not isinstance(value, str):
            return "doit être une chaîne de caractères"
        return characters.DESCRIPTION if characters.has_control(value) else ""
    if kind == F.TYPE_BYTES:
        return "" if isinstance(value, str) else "doit être une chaîne base64"
    if kind == F.TYPE_BOOL:
        return "" if isinstance(value, bool) else "doit être un booléen (true ou false)"
    if kind == F.TYPE_ENUM:
        if isinstance(value, str):
            return "" if value in field.enum_type.values_by_name else _enum_hint(field)
        if isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31:
            return ""
        return _enum_hint(field)
    if kind in _INT_RANGES:
        if isinstance(value, bool):
            return "doit être un nombre entier"
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                return "doit être un nombre entier"
        elif isinstance(value, float):
            if not value.is_integer():
                return "doit être un nombre entier"
            value = int(value)
        elif not isinstance(value, int):
            return "doit être un nombre entier"
        low, high = _INT_RANGES[kind]
        return "" if low <= value <= high else f"doit être compris entre {low} et {high}"
    if kind in _FLOATS:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return ""
        if isinstance(value, str):
            try:
                float(value)
                return ""
            except ValueError:
                pass
        return "doit être un nombre"
    return ""


def _enum_hint(field: FieldDescriptor) -> str:
    names = [v.name for v in field.enum_type.values if v.number != 0]
    return "valeur inconnue ; valeurs possibles : " + ", ".join(names)


# ---- path variables and query parameters ---------------------------------------------------

def convert_text(field: FieldDescriptor, text: str):
    """The Python value of a path or query text for a scalar field, or ValueError (French)."""
    kind = field.type
    if kind == F.TYPE_STRING:
        return text
    if kind == F.TYPE_BOOL:
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError("doit valoir true ou false")
    if kind in _INT_RANGES:
        if not _INTEGER.fullmatch(text):
            raise ValueError("doit être un nombre entier")
        number: float = int(text)
        low, high = _INT_RANGES[kind]
        if not low <= number <= high:
            raise ValueError(f"doit être compris entre {low} et {high}")
        return number
    if kind in _FLOATS:
        try:
            number = float(text)
        except ValueError:
            raise ValueError("doit être un nombre") from None
        if math.isinf(number) and text.lower() not in ("inf", "infinity", "-inf", "-infinity"):
            raise ValueError("doit être un nombre")
        return number
    if kind == F.TYPE_ENUM:
        value = field.enum_type.values_by_name.get(text)
        if value is not None:
            return value.number
        if _INTEGER.fullmatch(text) and -2**31 <= int(text) < 2**31:
            return int(text)
        raise ValueError(_enum_hint(field))
    if kind == F.TYPE_BYTES:
        try:
            return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("doit être une chaîne base64") from None
    raise ValueError("type de champ non pris en charge ici")


def _assign(message, chain: tuple[FieldDescriptor, ...], text: str, name: str) -> None:
    target = message
    for field in chain[:-1]:
        target = getattr(target, field.name)
    leaf = chain[-1]
    try:
        if characters.has_control(text):
            raise ValueError(characters.DESCRIPTION)
        if leaf.type == F.TYPE_MESSAGE:
            holder = getattr(target, leaf.name) if not leaf.is_repeated else getattr(target, leaf.name).add()
            full_name = leaf.message_type.full_name
            if full_name in _STRING_WKT:
                try:
                    holder.FromJsonString(text)
                except ValueError:
                    raise ValueError(_WKT_HINT[full_name]) from None
            else:   # a wrapper (checked by _query_chain)
                holder.value = convert_text(leaf.message_type.fields_by_name["value"], text)
        elif leaf.is_repeated:
            getattr(target, leaf.name).append(convert_text(leaf, text))
        else:
            setattr(target, leaf.name, convert_text(leaf, text))
    except ValueError as exc:
        raise invalid(f"Paramètre {name!r} invalide", [FieldViolation(name, str(exc))],
                      reason="INVALID_PARAMETER") from None


def _merge_query(route: Route, message, query: str) -> None:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise invalid(f"Trop de paramètres de requête (au plus {MAX_QUERY_FIELDS})",
                      reason="INVALID_PARAMETER") from None
    bound = route.bound_paths
    seen: set[str] = set()
    violations: list[FieldViolation] = []
    for name, text in pairs:
        chain, problem = _query_chain(message.DESCRIPTOR, name, bound, route.body == "*")
        if problem:
            violations.append(FieldViolation(name, problem))
            continue
        canonical = ".".join(f.name for f in chain)
        if canonical in seen and not chain[-1].is_repeated:
            violations.append(FieldViolation(name, "une seule valeur attendue"))
            continue
        seen.add(canonical)
        try:
            _assign(message, chain, text, name)
        except Problem as problem:   # keep collecting, report every bad parameter at once
            violations.extend(problem.violations)
    if violations:
        raise invalid("Paramètres de requête invalides", violations, reason="INVALID_PARAMETER")


def _query_chain(descriptor: Descriptor, name: str, bound: AbstractSet[str], body_takes_all: bool):
    """(field chain, "") for a query parameter name, or ((), why it is refused)."""
    if body_takes_all:
        return (), "paramètre inconnu (tout passe par le corps JSON)"
    chain, current = [], descriptor
    parts = name.split(".")
    for position, part in enumerate(parts):
        field = _fields_by_any_name(current).get(part) if current is not None else None
        if field is None:
            return (), "paramètre inconnu"
        chain.append(field)
        last = position == len(parts) - 1
        message_type = field.message_type
        if message_type is not None and message_type.full_name in QUERY_LEAF_MESSAGES:
            if not last:
                return (), "paramètre inconnu"
        elif message_type is not None:
            if last or field.is_repeated:
                return (), "non pris en charge en paramètre : utiliser le corps JSON"
            current = message_type
            continue
        elif not last:
            return (), "paramètre inconnu"
    canonical = ".".join(f.name for f in chain)
    if any(canonical == b or canonical.startswith(b + ".") for b in bound):
        return (), "déjà fourni par le chemin ou le corps"
    if _is_map(chain[-1]):
        return (), "non pris en charge en paramètre : utiliser le corps JSON"
    return tuple(chain), ""


# ---- response -----------------------------------------------------------------------------

def to_dict(message, response_body: str = "") -> object:
    """json_format.MessageToDict(message, always_print_fields_with_no_presence=True), from a plan
    made once per message type (json_format looks every field up again for every message: 40 µs
    for an account, over a millisecond for a page of documents). Well-known types other than
    Timestamp and Duration go through json_format's own printer."""
    document = _printer_of(message.DESCRIPTOR)(message)
    if response_body:
        return document.get(message.DESCRIPTOR.fields_by_name[response_body].json_name)
    return document


_PRINTERS: dict[str, object] = {}
_JSON_FORMAT = json_format._Printer(always_print_fields_with_no_presence=True)  # type: ignore[attr-defined]
_INT64S = {F.CPPTYPE_INT64, F.CPPTYPE_UINT64}


def _printer_of(descriptor: Descriptor):
    found = _PRINTERS.get(descriptor.full_name)
    if found is None:
        if descriptor.full_name == "google.protobuf.Timestamp":
            found = _timestamp_text
        elif descriptor.full_name == "google.protobuf.Duration":
            found = _duration_text
        elif descriptor.full_name.startswith("google.protobuf."):
            found = _JSON_FORMAT._MessageToJsonObject
        else:
            plan: list = []
            found = functools.partial(_print_message, plan)
            _PRINTERS[descriptor.full_name] = found   # before the fields: a type may hold itself
            plan.extend(_field_plan(field) for field in descriptor.fields)
        _PRINTERS[descriptor.full_name] = found
    return found


def _print_message(plan, message) -> dict:
    document = {}
    for name, json_name, presence, print_value in plan:
        if presence and not message.HasField(name):
            continue
        value = getattr(message, name)
        document[json_name] = value if print_value is None else print_value(value)
    return document


def _field_plan(field: FieldDescriptor):
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key_field, value_field = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
        print_key = _map_key if key_field.type == F.TYPE_BOOL else str
        print_item = _value_printer(value_field) or _same
        return field.name, field.json_name, False, lambda mapping: {
            print_key(key): print_item(mapping[key]) for key in mapping}
    print_value = _value_printer(field)
    if field.is_repeated:
        return field.name, field.json_name, False, (
            list if print_value is None else lambda values: [print_value(v) for v in values])
    return field.name, field.json_name, field.has_presence, print_value


def _value_printer(field: FieldDescriptor):
    """How to print one value of `field`; None when it is its own JSON (strings, bools, 32-bit numbers)."""
    if field.message_type is not None:
        return _printer_of(field.message_type)
    if field.enum_type is not None:
        names = {number: _JSON_FORMAT._FieldToJsonObject(field, number) for number in field.enum_type.values_by_number}
        if field.enum_type.full_name == "google.protobuf.NullValue" or field.enum_type.is_closed:
            return lambda value: _JSON_FORMAT._FieldToJsonObject(field, value)
        return lambda value: names.get(value, value)
    if field.cpp_type in _INT64S:
        return str
    if field.type == F.TYPE_BYTES:
        return lambda value: base64.b64encode(value).decode()
    if field.cpp_type in (F.CPPTYPE_FLOAT, F.CPPTYPE_DOUBLE):
        return lambda value: _JSON_FORMAT._FieldToJsonObject(field, value)
    return None


def _same(value):
    return value


def _map_key(key: bool) -> str:
    return "true" if key else "false"


def _timestamp_text(timestamp) -> str:
    """Timestamp.ToJsonString's text (RFC 3339, 0, 3, 6 or 9 digits), without its float arithmetic."""
    seconds, nanos = timestamp.seconds, timestamp.nanos
    if not (_FIRST_SECOND <= seconds <= _LAST_SECOND and 0 <= nanos < 1_000_000_000):
        return timestamp.ToJsonString()      # refused with its own message
    text = (_EPOCH + datetime.timedelta(seconds=seconds)).isoformat()
    if nanos == 0:
        return text + "Z"
    if nanos % 1_000_000 == 0:
        return f"{text}.{nanos // 1_000_000:03d}Z"
    if nanos % 1000 == 0:
        return f"{text}.{nanos // 1000:06d}Z"
    return f"{text}.{nanos:09d}Z"


def _duration_text(duration) -> str:
    return duration.ToJsonString()


_EPOCH = datetime.datetime(1970, 1, 1)
_FIRST_SECOND, _LAST_SECOND = -62135596800, 253402300799    # 0001-01-01 to 9999-12-31


def to_json(message, response_body: str = "") -> bytes:
    return json.dumps(to_dict(message, response_body), ensure_ascii=False, separators=(",", ":")).encode()
