import pytest

from tests.factories import EditorFactory, ReviewerFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The real hasher is slow by design; tests only need passwords to check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def reader(db):
    """A logged-in user with no staff rights: sees what anonymous readers see."""
    return UserFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client
