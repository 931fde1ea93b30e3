import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- spreading the suite over `make unit`'s two workers -------------------------------------------------
# `--dist loadscope` sends a whole module to one worker, so that its module fixtures are built once. Two
# modules are long chains of independent slow tests: each chapter's student-edition run (minutes each) and
# the browser tests (one page each). Those get smaller work units, and the slowest units are handed out
# first, so that neither worker holds a chain of them alone (measured on this 2-core machine: 13.4 min for
# `make unit`, against 13.7 before, within the noise; three workers were no faster).

#: test functions whose every parametrized case is its own work unit
_ONE_UNIT_PER_CASE = ("tests/test_student.py::test_student_edition_runs_top_to_bottom_and_every_check_says_not_done",)
#: modules whose every test function is its own work unit (its module fixture is then built per unit)
_ONE_UNIT_PER_FUNCTION = ("tests/test_browser.py",)
#: handed out first, slowest first: the student editions of the longest chapters, the graded class
_FIRST = ("test_student_edition_runs_top_to_bottom_and_every_check_says_not_done[08",
          "tests/test_grade_class.py", "test_student_edition_runs_top_to_bottom_and_every_check_says_not_done[05",
          "test_student_edition_runs_top_to_bottom_and_every_check_says_not_done[06",
          "test_student_edition_runs_top_to_bottom_and_every_check_says_not_done[01")


def _work_unit(nodeid: str) -> str | None:
    if nodeid.startswith(_ONE_UNIT_PER_CASE):
        return nodeid
    if nodeid.startswith(_ONE_UNIT_PER_FUNCTION):
        return nodeid.split("[", 1)[0]
    return None


def pytest_collection_modifyitems(config, items):
    def rank(item):
        for k, prefix in enumerate(_FIRST):
            if prefix in item.nodeid:
                return k
        return len(_FIRST)

    items.sort(key=rank)  # stable: everything else keeps its order


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist", None) != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid) or super()._split_scope(nodeid)

    return Scheduling(config, log)
