"""Characters no string may hold: the C0 controls but tab, newline and carriage return, and DEL.

PostgreSQL refuses NUL in text (the request used to fail with INTERNAL at the first insert), and
the other controls have no place in a name, a title or an identifier. The rule applies to every
string field of every request, nested messages, repeated fields and maps included (the kit's
interceptor), and to the gateway's path and query parameters. Bytes fields are not text.
"""
from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from meskit.errors import FieldViolation, InvalidArgument

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DESCRIPTION = "caractère de contrôle interdit"
REASON = "CONTROL_CHARACTER"

_STRING, _MESSAGE = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE
# What to look at in a message type: (field name, how, the inner plan's descriptor or None), for
# the string fields and the message fields that can hold one; empty for a type without text.
_Plan = tuple[tuple[str, str, Any], ...]
_PLANS: dict[str, _Plan] = {}


def has_control(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def holds_text(descriptor: Descriptor) -> bool:
    """Whether a message of this type can hold a string anywhere inside (cached per type)."""
    return bool(_plan(descriptor))


def _plan(descriptor: Descriptor) -> _Plan:
    found = _PLANS.get(descriptor.full_name)
    if found is None:
        found = _PLANS[descriptor.full_name] = tuple(_steps(descriptor))
    return found


def _steps(descriptor: Descriptor):
    for field in descriptor.fields:
        if field.type == _STRING:
            yield field.name, "strings" if field.is_repeated else "string", None
        elif (inner := field.message_type) is not None and _reaches_a_string(inner):
            if inner.GetOptions().map_entry:
                yield field.name, "map", inner
            else:
                yield field.name, "messages" if field.is_repeated else "message", inner


def _reaches_a_string(descriptor: Descriptor) -> bool:
    seen, pending = {descriptor.full_name}, [descriptor]
    while pending:
        for field in pending.pop().fields:
            if field.type == _STRING:
                return True
            inner = field.message_type
            if inner is not None and inner.full_name not in seen:
                seen.add(inner.full_name)
                pending.append(inner)
    return False


def violations(message) -> list[FieldViolation]:
    """One violation per string of `message` holding a forbidden character, named by its path
    (proto field names: `metadata.title`, `ids[2]`, `labels[key]`)."""
    found: list[FieldViolation] = []
    plan = _plan(message.DESCRIPTOR)
    if plan:
        _walk(message, plan, "", found)
    return found


def refuse_controls(message):
    """`message` itself, or InvalidArgument naming every field that holds a forbidden character."""
    found = violations(message)
    if found:
        raise InvalidArgument(f"Caractère de contrôle interdit : {', '.join(v.field for v in found[:5])}",
                              violations=found, reason=REASON)
    return message


def _walk(message, plan: _Plan, path: str, found: list[FieldViolation]) -> None:
    search = FORBIDDEN.search
    for name, how, inner in plan:
        if how == "string":
            if search(getattr(message, name)):
                found.append(FieldViolation(path + name, DESCRIPTION))
        elif how == "message":
            if message.HasField(name):
                _walk(getattr(message, name), _plan(inner), f"{path}{name}.", found)
        elif how == "strings":
            for index, text in enumerate(getattr(message, name)):
                if search(text):
                    found.append(FieldViolation(f"{path}{name}[{index}]", DESCRIPTION))
        elif how == "messages":
            for index, item in enumerate(getattr(message, name)):
                _walk(item, _plan(inner), f"{path}{name}[{index}].", found)
        else:
            _map(getattr(message, name), inner, f"{path}{name}", found)


def _map(mapping, entry: Descriptor, where: str, found: list[FieldViolation]) -> None:
    key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
    for key in mapping:
        if key_field.type == _STRING and FORBIDDEN.search(key):
            found.append(FieldViolation(where, f"{DESCRIPTION} dans une clé"))
        elif value_field.type == _STRING:
            if FORBIDDEN.search(mapping[key]):
                found.append(FieldViolation(f"{where}[{key}]", DESCRIPTION))
        elif value_field.message_type is not None:
            _walk(mapping[key], _plan(value_field.message_type), f"{where}[{key}].", found)
