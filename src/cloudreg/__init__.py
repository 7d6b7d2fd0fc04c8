"""cloudreg: a knowledge base of the rules financial supervisors set for cloud outsourcing.

The pipeline is load -> reason -> validate -> query -> publish, one module per stage.
"""

__version__ = "0.1.0"

from cloudreg.load import load_kb
from cloudreg.project import Project
from cloudreg.reason import reason

__all__ = ["Project", "__version__", "load_kb", "reason"]
