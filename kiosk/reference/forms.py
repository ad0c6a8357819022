"""Reading a request's fields the three ways real clients send them.

Public clients of the central API post urlencoded forms (C#, Java, Python), post PHP arrays that
curl turns into ``multipart/form-data`` (the PHP wrapper class, the hotsite kit), or send a GET
with a query string (api-notes.md). :func:`read_form` accepts all three and returns one dict of
text fields; a POST may also carry fields in its query string (the body wins). A field given twice
counts its last value, as PHP reads form data. Anything else (a file upload, a JSON body, invalid
UTF-8, too many fields, a body over the limit) is a :class:`BadRequest` with a message saying why.
"""

from __future__ import annotations

import email.parser
import email.policy
import urllib.parse
from email.message import EmailMessage

MAX_BODY_BYTES = 1_000_000
"""A larger request body is refused (error answer) without being read."""
MAX_FIELDS = 500
"""A request with more form fields is refused."""


class BadRequest(Exception):
    """The request's fields cannot be read; the message says why."""


def read_form(method: str, query: str, content_type: str, body: bytes | None) -> dict[str, str]:
    """The fields of one request (see the module docstring).

    Raises:
        BadRequest: they cannot be read.
    """
    fields = _urlencoded(query.encode("latin-1", "replace"), "query string") if query else {}
    if method == "GET":
        return fields
    if body is None:
        raise BadRequest(
            f"The request has no readable body (a form of at most {MAX_BODY_BYTES} bytes, "
            "with Content-Length)"
        )
    content_type = content_type.strip()
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("", "application/x-www-form-urlencoded"):
        fields.update(_urlencoded(body, "request"))
    elif kind == "multipart/form-data":
        fields.update(_multipart(content_type, body))
    else:
        raise BadRequest(f"Send the fields as a form (urlencoded or multipart), not {kind[:60]!r}")
    if len(fields) > MAX_FIELDS:
        raise BadRequest(f"The request has more than {MAX_FIELDS} fields")
    return fields


def _urlencoded(raw: bytes, what: str) -> dict[str, str]:
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} is not valid UTF-8") from None
    except ValueError:
        raise BadRequest(f"The {what} has more than {MAX_FIELDS} fields") from None
    return dict(pairs)


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    """Fields of a ``multipart/form-data`` body (what curl sends for a PHP array)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise BadRequest("The multipart form has no boundary or no parts")
    fields: dict[str, str] = {}
    for count, part in enumerate(message.iter_parts(), start=1):
        if count > MAX_FIELDS:
            raise BadRequest(f"The request has more than {MAX_FIELDS} fields")
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise BadRequest("A part of the multipart form has no field name")
        if part.get_param("filename", header="content-disposition") is not None:
            raise BadRequest(f"Field {name[:40]!r} is a file upload; send text fields only")
        raw = part.get_payload(decode=True)
        try:
            value = raw.decode("utf-8") if isinstance(raw, bytes) else ""
        except UnicodeDecodeError:
            raise BadRequest(f"Field {name[:40]!r} is not valid UTF-8") from None
        fields[name] = value
    return fields
