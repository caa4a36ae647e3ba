"""Store fixtures other features reuse (loaded by conftest.py):

- store_url: a fresh, empty database URL, once on SQLite and once on PostgreSQL (parametrised)
- store: the Store at store_url, migrated; admin: the command-line admin actor
- sqlite_url / postgres_url: one kind only; postgres_cluster: session-wide Databases
"""

from __future__ import annotations

import pytest

from pgcluster import Databases, running_cluster


@pytest.fixture(scope="session")
def postgres_cluster():
    with running_cluster() as base_url:
        yield Databases(base_url)


@pytest.fixture
def sqlite_url(tmp_path):
    from xiancheng import store

    url = f"sqlite:///{tmp_path}/store.sqlite"
    yield url
    store.forget(url)


@pytest.fixture
def postgres_url(postgres_cluster):
    from xiancheng import store

    url = postgres_cluster.create()
    yield url
    store.forget(url)
    postgres_cluster.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request):
    return request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_url")


@pytest.fixture
def store(store_url):
    from xiancheng import store as store_module

    return store_module.open(store_url)


@pytest.fixture
def admin():
    from xiancheng import store as store_module

    return store_module.system_user("test")
