"""Characters no string may hold: the C0 controls but tab, newline and carriage return, and DEL.

PostgreSQL refuses NUL in text (the request used to fail with INTERNAL at the first insert), and
the other controls have no place in a name, a title or an identifier. The rule applies to every
string field of every request, nested messages, repeated fields and maps included (the kit's
interceptor), and to the gateway's path and query parameters. Bytes fields are not text.
"""
from __future__ import annotations

import re

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from meskit.errors import FieldViolation, InvalidArgument

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DESCRIPTION = "caractère de contrôle interdit"
REASON = "CONTROL_CHARACTER"

_STRING, _MESSAGE = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE
_HOLDS_TEXT: dict[str, bool] = {}


def has_control(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def holds_text(descriptor: Descriptor) -> bool:
    """Whether a message of this type can hold a string anywhere inside (cached per type)."""
    known = _HOLDS_TEXT.get(descriptor.full_name)
    if known is None:
        known = _HOLDS_TEXT[descriptor.full_name] = _reaches_a_string(descriptor)
    return known


def _reaches_a_string(descriptor: Descriptor) -> bool:
    seen, pending = {descriptor.full_name}, [descriptor]
    while pending:
        for field in pending.pop().fields:
            if field.type == _STRING:
                return True
            if field.type == _MESSAGE and field.message_type.full_name not in seen:
                seen.add(field.message_type.full_name)
                pending.append(field.message_type)
    return False


def violations(message) -> list[FieldViolation]:
    """One violation per string of `message` holding a forbidden character, named by its path
    (proto field names: `metadata.title`, `ids[2]`, `labels[key]`)."""
    found: list[FieldViolation] = []
    if holds_text(message.DESCRIPTOR):
        _walk(message, "", found)
    return found


def refuse_controls(message):
    """`message` itself, or InvalidArgument naming every field that holds a forbidden character."""
    found = violations(message)
    if found:
        raise InvalidArgument(f"Caractère de contrôle interdit : {', '.join(v.field for v in found[:5])}",
                              violations=found, reason=REASON)
    return message


def _walk(message, path: str, found: list[FieldViolation]) -> None:
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        if field.type == _STRING:
            _strings(value if field.is_repeated else (value,), where, field.is_repeated, found)
        elif field.type == _MESSAGE and holds_text(field.message_type):
            if field.message_type.GetOptions().map_entry:
                _map(field.message_type, value, where, found)
            elif field.is_repeated:
                for index, item in enumerate(value):
                    _walk(item, f"{where}[{index}]", found)
            else:
                _walk(value, where, found)


def _strings(values, where: str, indexed: bool, found: list[FieldViolation]) -> None:
    for index, text in enumerate(values):
        if FORBIDDEN.search(text):
            found.append(FieldViolation(f"{where}[{index}]" if indexed else where, DESCRIPTION))


def _map(entry: Descriptor, mapping, where: str, found: list[FieldViolation]) -> None:
    key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
    for key in mapping:
        if key_field.type == _STRING and FORBIDDEN.search(key):
            found.append(FieldViolation(where, f"{DESCRIPTION} dans une clé"))
            continue
        if value_field.type == _STRING:
            _strings((mapping[key],), f"{where}[{key}]", False, found)
        elif value_field.type == _MESSAGE and holds_text(value_field.message_type):
            _walk(mapping[key], f"{where}[{key}]", found)
