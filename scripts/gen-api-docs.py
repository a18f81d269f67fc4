#!/usr/bin/env python3
"""Write the API reference (docs/api/*.md) from the comments of protos/mes/*/v1/*.proto.

protoc (grpcio-tools) compiles the protos with their source info into a descriptor set; each file
becomes one page: its services with every RPC (request, response, streaming, HTTP binding, our
method options), then its messages and enums with every field and value. The pages are committed;
tests/unit/protos checks they match the protos, so regenerate after changing a proto:

    .venv/bin/python scripts/gen-api-docs.py            (or: make api-docs)
    .venv/bin/python scripts/gen-api-docs.py --out DIR  (write elsewhere, e.g. to compare)
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import google.api
from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.unknown_fields import UnknownFieldSet
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]
PROTOS = ROOT / "protos"
OPTIONS_PACKAGE = "mes.options.v1"
F = descriptor_pb2.FieldDescriptorProto
# Paths into FileDescriptorProto / DescriptorProto / EnumDescriptorProto / ServiceDescriptorProto.
SYNTAX, MESSAGE, ENUM, SERVICE, EXTENSION = 12, 4, 5, 6, 7
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_ONEOF = 2, 3, 4, 8
ENUM_VALUE, SERVICE_METHOD = 2, 2
GROUP = re.compile(r"^-{2,}\s*(.*?)\s*-{2,}$")
SCALARS = {
    F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float", F.TYPE_INT64: "int64", F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32", F.TYPE_FIXED64: "fixed64", F.TYPE_FIXED32: "fixed32", F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string", F.TYPE_BYTES: "bytes", F.TYPE_UINT32: "uint32", F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64", F.TYPE_SINT32: "sint32", F.TYPE_SINT64: "sint64",
}


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    googleapis = Path(google.api.__path__[0]).parent.parent
    files = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.binpb"
        args = ["protoc", f"-I{PROTOS}", f"-I{googleapis}", f"-I{Path(protoc.__file__).parent / '_proto'}",
                "--include_source_info", f"--descriptor_set_out={out}", *files]
        if protoc.main(args) != 0:
            sys.exit("gen-api-docs: protoc failed")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


class Comments:
    """The leading (and trailing) comment of each element of one file, by its source path."""

    def __init__(self, file: descriptor_pb2.FileDescriptorProto):
        self.by_path = {tuple(loc.path): loc for loc in file.source_code_info.location}

    def text(self, *path: int) -> str:
        loc = self.by_path.get(path)
        if loc is None:
            return ""
        parts = [clean(loc.leading_comments), clean(loc.trailing_comments)]
        return "\n\n".join(p for p in parts if p)

    def detached(self, *path: int) -> list[str]:
        loc = self.by_path.get(path)
        return [clean(c) for c in loc.leading_detached_comments] if loc else []


def clean(comment: str) -> str:
    lines = [line[1:] if line.startswith(" ") else line for line in comment.strip("\n").split("\n")]
    return "\n".join(lines).strip()


def split_group(comment: str) -> tuple[str, str]:
    """A comment starting with `---- Title ----` opens a group of RPCs: return (title, rest)."""
    first, _, rest = comment.partition("\n")
    match = GROUP.match(first.strip())
    return (match.group(1), rest.strip()) if match else ("", comment)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "—"


def anchor(full_name: str) -> str:
    return full_name.lower().replace(".", "")


@dataclass
class Page:
    file: descriptor_pb2.FileDescriptorProto
    slug: str


class Writer:
    def __init__(self, files: list[descriptor_pb2.FileDescriptorProto], pages: dict[str, Page]):
        self.pages = pages                                   # package -> page
        self.options = {}                                    # field number -> extension of ours
        for f in files:
            if f.package == OPTIONS_PACKAGE:
                for ext in f.extension:
                    self.options[ext.number] = ext

    def link(self, type_name: str, here: str) -> str:
        full = type_name.lstrip(".")
        package = next((p for p in sorted(self.pages, key=len, reverse=True) if full.startswith(p + ".")), None)
        if package is None:
            return f"`{full}`"
        short = full[len(package) + 1:]
        target = "" if package == here else f"{self.pages[package].slug}.md"
        label = short if package == here else full
        return f"[`{label}`]({target}#{anchor(full)})"

    def type_of(self, field: descriptor_pb2.FieldDescriptorProto, here: str, maps: dict) -> str:
        if field.type_name and field.type_name.lstrip(".") in maps:
            key, value = maps[field.type_name.lstrip(".")]
            return f"map<{self.type_of(key, here, maps)}, {self.type_of(value, here, maps)}>"
        name = self.link(field.type_name, here) if field.type_name else f"`{SCALARS[field.type]}`"
        if field.label == F.LABEL_REPEATED:
            return f"repeated {name}"
        if field.proto3_optional:
            return f"optional {name}"
        return name

    def method_options(self, method: descriptor_pb2.MethodDescriptorProto) -> list[str]:
        out = []
        if method.options.HasExtension(annotations_pb2.http):
            rule = method.options.Extensions[annotations_pb2.http]
            out.append(http_binding(rule))
            out.extend(http_binding(extra) for extra in rule.additional_bindings)
        for unknown in UnknownFieldSet(method.options):
            ext = self.options.get(unknown.field_number)
            if ext is None:
                continue
            value = unknown.data
            if ext.type == F.TYPE_BOOL:
                value = "true" if value else "false"
            elif isinstance(value, bytes):
                value = "set"
            out.append(f"`({OPTIONS_PACKAGE}.{ext.name})` = {value}")
        return out

    def page(self, page: Page) -> str:
        f, here = page.file, page.file.package
        comments = Comments(f)
        lines = [f"# {here}", "", f"Generated by `scripts/gen-api-docs.py` from `protos/{f.name}`: edit the proto "
                 "comments, not this page.", ""]
        intro = comments.text(SYNTAX) or "\n\n".join(comments.detached(SYNTAX))
        if intro:
            lines += [intro, ""]
        for s, service in enumerate(f.service):
            lines += self.service(service, comments, (SERVICE, s), here)
        maps: dict = {}
        blocks: list[str] = []
        for m, message in enumerate(f.message_type):
            blocks += self.message(message, comments, (MESSAGE, m), here, maps)
        for e, enum in enumerate(f.enum_type):
            blocks += self.enum(enum, comments, (ENUM, e), here)
        if f.extension:
            lines += ["## Options", "", "| Option | Extends | Number | Type | Description |", "|---|---|---|---|---|"]
            for x, ext in enumerate(f.extension):
                kind = self.link(ext.type_name, here) if ext.type_name else f"`{SCALARS[ext.type]}`"
                lines.append(f"| `({here}.{ext.name})` | `{ext.extendee.lstrip('.')}` | {ext.number} | {kind} | "
                             f"{cell(comments.text(EXTENSION, x))} |")
            lines.append("")
        if blocks:
            lines += ["## Messages and enums", "", *blocks]
        return "\n".join(lines).rstrip() + "\n"

    def service(self, service, comments: Comments, path: tuple, here: str) -> list[str]:
        full = f"{here}.{service.name}"
        lines = [f"## {service.name}", "", f"<a id=\"{anchor(full)}\"></a>", ""]
        if text := comments.text(*path):
            lines += [text, ""]
        toc, details = ["| RPC | Request | Response | HTTP / options |", "|---|---|---|---|"], []
        for i, method in enumerate(service.method):
            mpath = (*path, SERVICE_METHOD, i)
            for detached in comments.detached(*mpath):
                title, _ = split_group(detached)
                if title:
                    details += [f"### {title}", ""]
            title, text = split_group(comments.text(*mpath))
            if title:
                details += [f"### {title}", ""]
            request = ("stream " if method.client_streaming else "") + self.link(method.input_type, here)
            response = ("stream " if method.server_streaming else "") + self.link(method.output_type, here)
            options = self.method_options(method)
            toc.append(f"| [`{method.name}`](#{anchor(full + '.' + method.name)}) | {request} | {response} | "
                       f"{'<br>'.join(options) or 'gRPC only'} |")
            signature = (f"rpc {method.name}({'stream ' if method.client_streaming else ''}"
                         f"{short(method.input_type, here)}) returns ({'stream ' if method.server_streaming else ''}"
                         f"{short(method.output_type, here)})")
            details += [f"#### {method.name}", "", f"<a id=\"{anchor(full + '.' + method.name)}\"></a>", "",
                        f"`{signature}`", ""]
            details += [f"- {o}" for o in options] + ([""] if options else [])
            if text:
                details += [text, ""]
        return lines + toc + [""] + details

    def message(self, message, comments: Comments, path: tuple, prefix: str, maps: dict) -> list[str]:
        full = f"{prefix}.{message.name}"
        for n, nested in enumerate(message.nested_type):
            if nested.options.map_entry:
                maps[f"{full}.{nested.name}"] = (nested.field[0], nested.field[1])
        lines = [f"### {full.removeprefix(self.package_of(full) + '.')}", "", f"<a id=\"{anchor(full)}\"></a>", ""]
        if text := comments.text(*path):
            lines += [text, ""]
        here = self.package_of(full)
        if message.field:
            lines += ["| Field | Number | Type | Description |", "|---|---|---|---|"]
            for i, field in enumerate(message.field):
                description = comments.text(*path, MSG_FIELD, i)
                if field.HasField("oneof_index") and not field.proto3_optional:
                    oneof = message.oneof_decl[field.oneof_index]
                    description = f"One of `{oneof.name}`. {description}"
                lines.append(f"| `{field.name}` | {field.number} | {self.type_of(field, here, maps)} | "
                             f"{cell(description)} |")
            lines.append("")
        oneofs = [(i, o) for i, o in enumerate(message.oneof_decl)
                  if not all(f.proto3_optional for f in message.field if f.HasField("oneof_index")
                             and f.oneof_index == i)]
        for i, oneof in oneofs:
            lines += [f"Oneof `{oneof.name}`: {cell(comments.text(*path, MSG_ONEOF, i))}", ""]
        for n, nested in enumerate(message.nested_type):
            if not nested.options.map_entry:
                lines += self.message(nested, comments, (*path, MSG_NESTED, n), full, maps)
        for e, enum in enumerate(message.enum_type):
            lines += self.enum(enum, comments, (*path, MSG_ENUM, e), full)
        return lines

    def enum(self, enum, comments: Comments, path: tuple, prefix: str) -> list[str]:
        full = f"{prefix}.{enum.name}"
        lines = [f"### {full.removeprefix(self.package_of(full) + '.')} (enum)", "",
                 f"<a id=\"{anchor(full)}\"></a>", ""]
        if text := comments.text(*path):
            lines += [text, ""]
        lines += ["| Value | Number | Description |", "|---|---|---|"]
        for i, value in enumerate(enum.value):
            lines.append(f"| `{value.name}` | {value.number} | {cell(comments.text(*path, ENUM_VALUE, i))} |")
        return lines + [""]

    def package_of(self, full: str) -> str:
        return next(p for p in sorted(self.pages, key=len, reverse=True) if full.startswith(p + "."))


def short(type_name: str, here: str) -> str:
    return type_name.lstrip(".").removeprefix(here + ".")


def http_binding(rule: http_pb2.HttpRule) -> str:
    verb = rule.WhichOneof("pattern")
    path = rule.custom.path if verb == "custom" else getattr(rule, verb)
    verb = rule.custom.kind if verb == "custom" else verb.upper()
    body = f" (body `{rule.body}`)" if rule.body else ""
    return f"`{verb} {path}`{body}"


def index(pages: dict[str, Page], files: dict[str, descriptor_pb2.FileDescriptorProto]) -> str:
    lines = ["# API reference", "",
             "The contract of every service, generated by `scripts/gen-api-docs.py` from the comments in "
             "`protos/` (`make api-docs`); `tests/unit/protos` fails when a page is out of date, and runs "
             "`buf lint` (every element documented) and `buf breaking` (against `protos/release/`).", "",
             "| Package | Services | Proto |", "|---|---|---|"]
    for package, page in sorted(pages.items()):
        f = files[package]
        services = ", ".join(f"[`{s.name}`]({page.slug}.md#{anchor(package + '.' + s.name)})" for s in f.service)
        lines.append(f"| [`{package}`]({page.slug}.md) | {services or '—'} | `protos/{f.name}` |")
    return "\n".join(lines) + "\n"


def render() -> dict[str, str]:
    """File name (under docs/api) -> content."""
    files = [f for f in descriptor_set().file if f.name.startswith("mes/")]
    pages = {f.package: Page(f, f.package.split(".")[1]) for f in files}
    writer = Writer(files, pages)
    out = {f"{page.slug}.md": writer.page(page) for page in pages.values()}
    out["README.md"] = index(pages, {f.package: f for f in files})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "api")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    pages = render()
    for stale in set(p.name for p in out.glob("*.md")) - set(pages):
        (out / stale).unlink()
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"gen-api-docs: {len(pages)} pages in {out}")


if __name__ == "__main__":
    main()
