"""What a browser does with a page's forms, for pages tested without one: read each form's action,
method and fields (hidden values, checkboxes), fill some, submit it with the cookies kept."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

import httpx


@dataclass
class Field:
    name: str
    kind: str          # the input's type ("text", "password", "hidden", "checkbox", "submit"...), "select"/"textarea"
    value: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def names(self, kind: str) -> list[str]:
        return [f.name for f in self.fields if f.kind == kind]

    def checkbox_values(self) -> list[str]:
        return [f.value for f in self.fields if f.kind == "checkbox"]


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = Form(a.get("action", ""), a.get("method", "get").upper())
            self.forms.append(self._current)
        elif self._current is not None and a.get("name"):
            if tag == "input":
                kind = a.get("type", "text").lower()
                if kind in ("button", "image", "reset"):
                    return
                self._current.fields.append(Field(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""),
                                                  "checked" in a))
            elif tag == "button" and a.get("type", "submit").lower() == "submit":
                self._current.fields.append(Field(a["name"], "submit", a.get("value", "")))
            elif tag in ("select", "textarea"):
                self._current.fields.append(Field(a["name"], tag, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(browser: httpx.Client, page: httpx.Response, form: Form, values: dict[str, str] | None = None,
           checked: set[str] | None = None, button: str | None = None) -> httpx.Response:
    """Posts `form` of `page` as a browser would: hidden fields as they are, `values` by name, the
    checkboxes whose value is in `checked` (None: as the page left them), the named submit button
    whose value is `button` (None: the first, as pressing Enter does). Redirects are not followed."""
    values = values or {}
    buttons = [f for f in form.fields if f.kind == "submit"]
    pressed = next((f for f in buttons if f.value == button), None) if button is not None else \
        (buttons[0] if buttons else None)
    assert button is None or pressed is not None, f"no button {button!r} in the form"
    data: list[tuple[str, str]] = []
    for f in form.fields:
        if f.kind == "submit":
            if f is pressed:
                data.append((f.name, f.value))
        elif f.kind == "checkbox":
            if (f.value in checked) if checked is not None else f.checked:
                data.append((f.name, f.value))
        else:
            data.append((f.name, values.get(f.name, f.value)))
    target = urljoin(str(page.url), form.action or str(page.url))
    if form.method == "GET":
        return browser.get(target, params=data, follow_redirects=False)
    return browser.post(target, content=urlencode(data), follow_redirects=False,
                        headers={"content-type": "application/x-www-form-urlencoded"})
