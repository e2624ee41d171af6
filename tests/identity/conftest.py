"""Identity tests that need a small network (service accounts) use the case tests' one."""

from tests.cases.conftest import net  # noqa: F401  (a fixture, registered by importing it)
