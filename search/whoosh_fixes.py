"""A fix for a bug in whoosh-reloaded 2.7.5, applied when search/ is imported.

AndNotMatcher.skip_to_quality (whoosh/matching/binary.py) lets the required
matcher skip its low-quality blocks and then looks for the next posting
that is not excluded without checking that one is left: when the required
term's last block is skipped while the excluded term still has postings, it
reads past the end of the block (IndexError). It takes a large index to get
there: `cyber -defensie` on the 200,000-letter benchmark corpus.
"""
from __future__ import annotations

from whoosh.matching.binary import AndNotMatcher


def _skip_to_quality(self, minquality):
    skipped = self.a.skip_to_quality(minquality)
    if self.a.is_active():
        self._find_next()
    return skipped


AndNotMatcher.skip_to_quality = _skip_to_quality
