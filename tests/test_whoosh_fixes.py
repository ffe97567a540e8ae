"""The Whoosh bug search/whoosh_fixes.py mends, on Whoosh's own matchers (it
takes a 200,000-letter index to meet it in a real search)."""
from whoosh.matching import ListMatcher
from whoosh.matching.binary import AndNotMatcher

import search.whoosh_fixes  # noqa: F401


class _FlatScorer:
    """Every posting and block of the same quality, as a BM25F scorer
    would rate a rare word's only block."""
    def supports_block_quality(self):
        return True

    def block_quality(self, matcher):
        return 1.0

    def max_quality(self):
        return 1.0

    def score(self, matcher):
        return 1.0


def test_skipping_the_last_required_block_with_exclusions_left_ends_the_match():
    required = ListMatcher([0], [1.0], scorer=_FlatScorer())
    excluded = ListMatcher([1, 2], [1.0, 1.0], scorer=_FlatScorer())
    matcher = AndNotMatcher(required, excluded)
    assert matcher.supports_block_quality()
    assert matcher.is_active() and matcher.id() == 0
    # The required word's only block is below the quality asked for while
    # the excluded word still has postings: Whoosh read past the end here.
    matcher.skip_to_quality(2.0)
    assert not matcher.is_active()
