import re

from django.conf import settings

READERS = re.compile(r"env_(?:str|bool|int|list)\(\s*\"([A-Z0-9_]+)\"")


def test_every_environment_variable_read_by_the_settings_is_documented():
    config_dir = settings.BASE_DIR / "config"
    read = set()
    for path in config_dir.rglob("*.py"):
        read |= set(READERS.findall(path.read_text()))
    documented = (settings.BASE_DIR / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in read if f"`{name}`" not in documented)
    assert read, "the pattern found no variable: the test would pass for nothing"
    assert missing == [], f"undocumented in docs/configuration.md: {missing}"
