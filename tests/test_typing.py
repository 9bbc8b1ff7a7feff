"""Both packages are clean under mypy (configured in pyproject.toml), and what mypy found stays fixed."""

from __future__ import annotations

import pytest

from csvtools.numbers.metadata import Pattern, country_rules, parsing_rules


@pytest.mark.parametrize("region", ["CA", "GG", "DE"])
def test_parsing_rules_name_each_type_pattern_as_country_rules_do(region):
    """They held bare patterns where RegionRules.named promises (type name, pattern) pairs."""
    own = parsing_rules(region).regions[0]
    main = country_rules(parsing_rules(region).country_code)
    assert own.named
    for name, pattern in own.named:
        assert isinstance(name, str) and isinstance(pattern, Pattern)
    if region == main.main_region:
        assert own.named == main.regions[0].named
