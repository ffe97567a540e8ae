"""Relevance ranking in tiers, each scored on its own.

A letter named by its identifier comes first; then letters with every word
as a word of its own; then letters with every word, some only inside
compounds; then letters missing one word; then the rest;
last the letters that merely cite a named Kamerstuk. Within a tier, BM25F
(title and dossier title weigh more than the text) plus a bonus for words
standing close together, in the title or in the text (the better of the
two), decides.

Scoring one loose query over all matches cost most of a search's time in
Whoosh; here the tiers' document sets come from set algebra over posting
lists, and only the tiers that reach the requested page are scored.
"""
from __future__ import annotations

from whoosh import query as Q

from .query import MAX_TIERED_WORDS, ParsedQuery, _all, _group_query, _proximity_query


def ranking_tiers(parsed: ParsedQuery, schema, found=None) -> list[Q.Query]:
    """The tier queries, best first; each selects its letters and scores them.

    `found(query)` says whether a word occurs in any letter at all; words
    that occur nowhere (a typo, most often) are left out of the tiers, so
    "kunstmatige inteligentie" ranks as "kunstmatige" would instead of
    putting every letter in the "missing a word" tiers, and out of the
    words-close-together bonus. The spelling suggestion still offers the
    correction.
    """
    pairs = [(_group_query(group, schema, parts=False), _group_query(group, schema))
             for group in parsed.groups]
    pairs = [(w, g) for w, g in pairs if g is not None]
    if found is not None and any(found(g) for _, g in pairs):
        pairs = [(w, g) for w, g in pairs if found(g)]
    whole = [w for w, _ in pairs if w is not None]
    groups = [g for _, g in pairs]
    near = _proximity_query(parsed, schema, found)

    def scored(query: Q.Query) -> Q.Query:
        return Q.AndMaybe(query, near) if near is not None else query

    tiers: list[Q.Query] = [Q.Term("id", kst) for kst in parsed.identifiers]
    if groups:
        if whole:
            tiers.append(scored(_all(whole, boost=1.0)))
        tiers.append(scored(_all(groups, boost=1.0)))
        if 2 < len(groups) <= MAX_TIERED_WORDS:
            tiers.append(Q.Or([Q.And(groups[:skip] + groups[skip + 1:])
                               for skip in range(len(groups))]))
        if len(groups) > 1:
            tiers.append(Q.Or(groups))
    tiers.extend(Q.Term("references", kst) for kst in parsed.identifiers)
    return tiers
