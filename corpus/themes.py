"""The top-level themes of the official TaxonomieBeleidsagenda (OWMS), the
one topic vocabulary of the project: what KOOP's ``OVERHEID.category`` gives
as ``Theme | Subtheme``, and all a sidecar may name as a topic."""
from __future__ import annotations

# The 17 themes the KOOP XML of the shared corpus carries, and the two more
# its README names from the official list.
THEMES = (
    "Bestuur", "Cultuur en recreatie", "Defensie", "Economie", "Energie", "Financiën",
    "Huisvesting", "Internationaal", "Landbouw", "Migratie en integratie",
    "Natuur en milieu", "Onderwijs en wetenschap", "Openbare orde en veiligheid", "Recht",
    "Ruimte en infrastructuur", "Sociale zekerheid", "Verkeer", "Werk", "Zorg en gezondheid",
)
_BY_LOWER = {theme.lower(): theme for theme in THEMES}


def official_theme(name: str) -> str | None:
    """The theme as the vocabulary spells it ("zorg en gezondheid" -> "Zorg
    en gezondheid"), or None when it is not one."""
    return _BY_LOWER.get(" ".join(name.split()).lower())
