"""google.api.http path templates: parsing and matching.

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    Verb     = ":" LITERAL ;

Matching works on the percent-encoded request path; captured values are decoded. The verb of
a request ("/v1/sessions:start") is split off its last segment before matching, so that
"/v1/accounts/a1:close" reaches the `:close` binding rather than `{account_id}` = "a1:close".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class PathTemplate:
    text: str
    verb: str
    variables: tuple[str, ...]          # field paths, in order of appearance
    segment_count: int | None           # None when "**" makes the length open
    literal_count: int                  # more literals = more specific
    regex: re.Pattern

    @property
    def is_literal(self) -> bool:
        return not self.variables and self.segment_count is not None and "*" not in self.text

    def match(self, path: str) -> dict[str, str] | None:
        """Variables of `path` (the request path without its verb), or None."""
        found = self.regex.match(path)
        if found is None:
            return None
        return {field: unquote(value) for field, value in zip(self.variables, found.groups())}

    def openapi_path(self, rename=lambda field: field) -> str:
        """The template as an OpenAPI path: every variable becomes `{name}`."""
        out, depth, index = [], 0, 0
        for ch in self.text:
            if ch == "{":
                if depth == 0:
                    out.append("{" + rename(self.variables[index]) + "}")
                    index += 1
                depth += 1
            elif ch == "}":
                depth -= 1
            elif depth == 0:
                out.append(ch)
        return "".join(out)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_LITERAL = re.compile(r"^[A-Za-z0-9._~!$&'()+,;=@%-]+$")


def _split_outside_braces(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise TemplateError("unbalanced '}'")
        elif ch == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise TemplateError("unbalanced '{'")
    parts.append(text[start:])
    return parts


def parse(text: str) -> PathTemplate:
    try:
        return _parse(text)
    except TemplateError as exc:
        raise TemplateError(f"bad path template {text!r}: {exc}") from None


def _parse(text: str) -> PathTemplate:
    if not text.startswith("/"):
        raise TemplateError("must start with '/'")
    body, verb = text[1:], ""
    pieces = _split_outside_braces(body, ":")
    if len(pieces) > 2 or (len(pieces) == 2 and "/" in pieces[1]):
        raise TemplateError("':' only introduces a final verb")
    if len(pieces) == 2:
        body, verb = pieces
        if not _LITERAL.match(verb):
            raise TemplateError(f"bad verb {verb!r}")
    variables: list[str] = []
    parts: list[str] = []
    count: int | None = 0
    literals = 0
    segments = _split_outside_braces(body, "/")
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment.startswith("{"):
            if not segment.endswith("}"):
                raise TemplateError(f"bad variable {segment!r}")
            field, _, inner = segment[1:-1].partition("=")
            if not _IDENT.match(field):
                raise TemplateError(f"bad field path {field!r}")
            inner_parts, inner_count, inner_literals = _plain_segments(inner or "*", last)
            variables.append(field)
            parts.append("(" + "/".join(inner_parts) + ")")
            count = None if inner_count is None or count is None else count + inner_count
            literals += inner_literals
        else:
            plain, plain_count, plain_literals = _plain_segments(segment, last)
            parts.extend(plain)
            count = None if plain_count is None or count is None else count + plain_count
            literals += plain_literals
    if len(set(variables)) != len(variables):
        raise TemplateError("a field is bound twice")
    regex = re.compile("^/" + "/".join(parts) + "$")
    return PathTemplate(text, verb, tuple(variables), count, literals, regex)


def _plain_segments(text: str, last: bool) -> tuple[list[str], int | None, int]:
    """Regex parts, segment count (None if open) and literal count of `a/*/b` style segments."""
    parts: list[str] = []
    count: int | None = 0
    literals = 0
    segments = text.split("/")
    for position, segment in enumerate(segments):
        if segment == "**":
            if not (last and position == len(segments) - 1):
                raise TemplateError("'**' must be the last segment")
            parts.append(".*")
            count = None
        elif segment == "*":
            parts.append("[^/]+")
            count = None if count is None else count + 1
        elif segment and _LITERAL.match(segment):
            parts.append(re.escape(segment))
            count = None if count is None else count + 1
            literals += 1
        else:
            raise TemplateError(f"bad segment {segment!r}")
    return parts, count, literals


def split_verb(path: str) -> tuple[str, str]:
    """("/v1/sessions", "start") for "/v1/sessions:start"; (path, "") without a verb."""
    slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > slash + 1:
        return path[:colon], path[colon + 1:]
    return path, ""
