import pytest

from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory, VerdictChangeFactory


@pytest.mark.django_db
def test_factories_build_valid_objects(editor, reviewer):
    for obj in [ClaimFactory(), PublishedClaimFactory(), EvidenceFactory(), VerdictChangeFactory()]:
        obj.full_clean()
    assert reviewer.has_perm("claims.publish_claim")
    assert not editor.has_perm("claims.publish_claim")
