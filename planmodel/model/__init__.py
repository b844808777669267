"""The chain: ``run(scenario) -> xarray.Dataset`` and what the result knows about itself
(the ``ds.plan`` accessor, :mod:`planmodel.model.result`)."""

from planmodel.model import result  # noqa: F401  (registers the ds.plan accessor)
from planmodel.model.chain import Prepared, assemble, prepare, run
from planmodel.model.result import AMOUNT_TOLERANCE, PlanAccessor

__all__ = ["AMOUNT_TOLERANCE", "PlanAccessor", "Prepared", "assemble", "prepare", "run"]
