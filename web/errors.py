"""Errors as Dutch pages or JSON, never a stack trace.

Anything under /api/ answers `{"error": {"parameter": ..., "message": ...}}`;
everything else gets the error page in the site's layout.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from index.store import IndexStoreError
from search import LetterNotFound, QueryError

from .params import error_parameter

MESSAGES = {
    400: ("Ongeldige vraag", "Deze vraag kunnen we niet verwerken."),
    404: ("Niet gevonden", "Deze pagina of dit document bestaat niet (meer)."),
    405: ("Methode niet toegestaan", "Deze pagina kan alleen gelezen worden, niet "
                                     "met deze methode worden aangeroepen."),
    500: ("Er ging iets mis", "Er is een onverwachte fout opgetreden. Probeer het later "
                              "opnieuw."),
    503: ("Zoeken is tijdelijk niet beschikbaar", "De zoekindex kan niet worden geopend."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(LetterNotFound, _not_found_letter)
    app.register_error_handler(IndexStoreError, _index_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def is_api() -> bool:
    return request.path.startswith("/api/")


def respond(status: int, message: str | None = None, parameter: str | None = None,
            detail: str | None = None):
    title, default = MESSAGES.get(status, (f"Fout {status}", ""))
    message = message or default
    if is_api():
        error = {"message": f"{message} {detail}" if detail else message}
        if parameter:
            error = {"parameter": parameter, **error}
        response = jsonify(error=error)
    else:
        response = make_response(render_template(
            "error.html", status=status, title=title, message=message, detail=detail))
    response.status_code = status
    return response


def _query_error(exc: QueryError):
    return respond(400, str(exc), error_parameter(exc))


def _not_found_letter(exc: LetterNotFound):
    return respond(404, f"Er is geen document met kenmerk '{exc.letter_id}' in de index.")


def _index_unavailable(exc: IndexStoreError):
    return respond(503, detail=str(exc))


def _http_error(exc: HTTPException):
    response = respond(exc.code or 500)
    # Keep what Werkzeug knows, such as the Allow header of a 405.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected(exc: Exception):
    # Logged for the operator; the visitor sees no details.
    current_app.logger.exception("Onverwachte fout bij %s", request.path)
    return respond(500)
