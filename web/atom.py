"""Atom 1.0 and OpenSearch documents, built with ElementTree.

Nothing here concatenates markup: ElementTree escapes every text and
attribute. It does not, however, refuse characters XML 1.0 forbids (OCR text
carries form feeds and other control characters), so all text passes
`xml_text` first; one such character would make the whole feed unreadable.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass
class Entry:
    id: str
    title: str
    updated: str  # RFC 3339
    link: str
    summary: str
    author: str | None = None
    categories: list[str] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    updated: str
    self_link: str
    alternate_link: str
    author: str
    entries: list[Entry]
    subtitle: str | None = None


def atom(feed: Feed) -> bytes:
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(_atom("feed"), {XML_LANG: "nl"})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", feed.updated)
    ET.SubElement(root, _atom("link"), rel="self", type="application/atom+xml",
                  href=feed.self_link)
    ET.SubElement(root, _atom("link"), rel="alternate", type="text/html",
                  href=feed.alternate_link)
    # Entries without a known sender inherit this author, as Atom requires.
    _text(ET.SubElement(root, _atom("author")), "name", feed.author)
    _text(root, "generator", "kamerzoek")
    for entry in feed.entries:
        item = ET.SubElement(root, _atom("entry"))
        _text(item, "id", entry.id)
        _text(item, "title", entry.title)
        _text(item, "updated", entry.updated)
        ET.SubElement(item, _atom("link"), rel="alternate", type="text/html", href=entry.link)
        if entry.author:
            _text(ET.SubElement(item, _atom("author")), "name", entry.author)
        for term in entry.categories:
            ET.SubElement(item, _atom("category"), term=xml_text(term))
        _text(item, "summary", entry.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def opensearch(*, short_name: str, description: str, templates: dict[str, str],
               self_url: str, image: str) -> bytes:
    """`templates`: MIME type -> URL template with `{searchTerms}`."""
    ET.register_namespace("", OPENSEARCH_NS)
    root = ET.Element(_os("OpenSearchDescription"))
    _text(root, "ShortName", short_name, ns=_os)
    _text(root, "Description", description, ns=_os)
    _text(root, "InputEncoding", "UTF-8", ns=_os)
    _text(root, "Language", "nl-nl", ns=_os)
    _text(root, "Image", image, ns=_os, type="image/svg+xml", width="16", height="16")
    for mime, template in templates.items():
        ET.SubElement(root, _os("Url"), type=mime, method="get", template=template)
    ET.SubElement(root, _os("Url"), type="application/opensearchdescription+xml",
                  rel="self", template=self_url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _os(tag: str) -> str:
    return f"{{{OPENSEARCH_NS}}}{tag}"


def _text(parent, tag: str, text: str, ns=_atom, **attrs) -> ET.Element:
    element = ET.SubElement(parent, ns(tag), attrs)
    element.text = xml_text(text)
    return element
