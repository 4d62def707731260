"""The compose files, checked without a Docker engine: they parse, every
service can be built or pulled, and the environment they give the hub is the
environment the settings read."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
HUB_SERVICES = {"migrate", "web1", "web2", "worker", "scheduler"}
# Read by Django itself or by prometheus_client, not by our settings.
KNOWN_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}
ENV_READ = re.compile(
    r"(?:environ\.get|environ\[|env_bool|env_list|_required|_redis_or_files|"
    r"_shared_cache)\(\s*\"([A-Z][A-Z0-9_]+)\""
)


def _compose(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def _names_read() -> set[str]:
    sources = [*(ROOT / "hub" / "settings").glob("*.py"), ROOT / "hub" / "health.py"]
    names = set()
    for source in sources:
        names.update(ENV_READ.findall(source.read_text()))
    return names


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.prod.yml"])
def test_every_service_has_an_image_or_a_build(name):
    compose = _compose(name)
    assert compose["services"]
    for service, spec in compose["services"].items():
        assert spec.get("image") or spec.get("build"), service


def test_demo_file_says_it_is_the_demo():
    text = (ROOT / "docker-compose.yml").read_text()
    assert text.startswith("# DEMO ONLY")
    assert "docker-compose.prod.yml" in text
    assert _compose("docker-compose.yml")["name"].endswith("-demo")


def test_production_topology():
    """Two web servers checked on /readyz, the worker, the scheduler,
    PostgreSQL, Redis and three Elasticsearch nodes of one cluster that the
    hub lists in ELASTICSEARCH_URL."""
    services = _compose("docker-compose.prod.yml")["services"]
    assert set(services) >= HUB_SERVICES
    assert {"postgres", "redis", "es1", "es2", "es3"} <= set(services)
    for web in ("web1", "web2"):
        assert "gunicorn" in services[web]["command"]
        assert "/readyz" in " ".join(services[web]["healthcheck"]["test"])
    assert services["worker"]["command"].endswith("db_worker")
    assert services["scheduler"]["command"].endswith("hub_scheduler")
    env = services["web1"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "hub.settings.production"
    assert env["ELASTICSEARCH_URL"].split(",") == [
        f"http://es{i}:9200" for i in (1, 2, 3)
    ]
    assert env["HUB_REDIS_URL"].startswith("redis://redis:")
    clusters = {services[f"es{i}"]["environment"]["cluster.name"] for i in (1, 2, 3)}
    assert len(clusters) == 1
    for i in (1, 2, 3):
        es = services[f"es{i}"]
        assert es["environment"]["node.name"] == f"es{i}"
        assert es["environment"]["path.repo"] == "/snapshots"
        assert "essnapshots:/snapshots" in es["volumes"]
        assert "healthcheck" in es and "ports" not in es
    for stateful in ("postgres", "redis"):
        assert services[stateful]["volumes"]
        assert "healthcheck" in services[stateful]


def test_production_environment_names_are_read_by_the_settings():
    """No variable in the production file is a typo that the hub ignores, and
    the ones production requires are all given."""
    read = _names_read() | KNOWN_OUTSIDE_SETTINGS
    services = _compose("docker-compose.prod.yml")["services"]
    for service in HUB_SERVICES:
        env = services[service]["environment"]
        unknown = sorted(set(env) - read)
        assert not unknown, f"{service}: {unknown}"
        for required in ("SECRET_KEY", "ALLOWED_HOSTS", "ELASTICSEARCH_URL"):
            assert required in env
