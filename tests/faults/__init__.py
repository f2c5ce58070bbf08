import pytest

pytest.register_assert_rewrite("tests.faults.checks")  # its failures say what they found
