"""``antena demo``: a synthetic corpus mirroring the source report, in the platforms' real
export formats, with a planted campaign effect written to ``demo_truth.json``.

>>> from antena.demo import Scenario, generate
>>> corpus = generate(Path("demo"), Scenario(scale=0.01, seed=7))   # doctest: +SKIP
"""

from antena.demo.generate import DemoCorpus, expected_records, generate
from antena.demo.scenario import REPORT_COUNTS, Scenario
from antena.demo.stages import LATER_STAGES, run_later_stages

__all__ = ["DemoCorpus", "LATER_STAGES", "REPORT_COUNTS", "Scenario", "expected_records", "generate",
           "run_later_stages"]
