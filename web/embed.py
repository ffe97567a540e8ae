"""The embeddable zoekbox: the script itself at /widget.js, and a demo page
showing it in a made-up intranet page with the tag to copy.

The script is an ordinary static file, served at the root so that the tag
to paste stays short and does not depend on Flask's static URL layout.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_from_directory

bp = Blueprint("embed", __name__)

# Long enough to spare intranet pages a request per view, short enough that
# a fix reaches every page the same day.
WIDGET_MAX_AGE = 3600
WIDGET_OPTIONS = (
    ("data-title", "Kop boven de zoekbox", "Zoek in Kamerbrieven"),
    ("data-placeholder", "Voorbeeldtekst in het zoekveld", "Bijvoorbeeld: autonome wapens"),
    ("data-per-page", "Aantal resultaten (1 tot 20)", "5"),
    ("data-query", "Zoek direct bij het laden van de pagina", "geen"),
    ("data-topic", "Alleen dit onderwerp, bijvoorbeeld Internationaal", "alle"),
    ("data-year", "Alleen dit jaar of deze reeks, bijvoorbeeld 2015..2020", "alle"),
    ("data-dossier", "Alleen dit dossier, bijvoorbeeld 33694", "alle"),
    ("data-doc-type", "Alleen deze soort, bijvoorbeeld Brief regering", "alle"),
    ("data-sender", "Alleen deze afzender", "alle"),
)


@bp.get("/widget.js")
def widget():
    return send_from_directory(current_app.static_folder, "widget.js",
                               mimetype="text/javascript", max_age=WIDGET_MAX_AGE)


@bp.get("/embed-demo")
def demo():
    root = request.url_root
    tag = (f'<script src="{root}widget.js"\n'
           f'        data-placeholder="Bijvoorbeeld: stikstof"\n'
           f'        data-per-page="5"></script>')
    return render_template("embed.html", root=root, tag=tag, options=WIDGET_OPTIONS,
                           origin=request.host_url.rstrip("/"))
