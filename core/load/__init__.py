"""Loading official files into a new build of the database (``python -m core.load``).

One job per module:

- ``read``: sources as bytes, ZIP archives expanded within limits, text decoded;
- ``layouts``: which layout a file has (the customs' headerless ten fields, or a header row in
  CSV, XLS or XLSX), its cells as text columns with the line of every row;
- ``codes`` and ``headers``: codes and column names as files write them;
- ``validate``: row checks and checks across files, in DuckDB, with French messages;
- ``revisions``: which (year, quarter, flow) slices the files add, replace or leave unchanged;
- ``publish``: writing the build through ``core.build`` and swapping it in (``core.store``);
- ``report``: the load report; ``trade`` and ``territoires``: the two loads; ``cli``.

No Streamlit here: the page « Sources de données » and the command line share this code.
"""

from core.load.errors import IngestError, LoadError
from core.load.publish import rollback
from core.load.read import MAX_EXPANDED_BYTES, MAX_FILE_BYTES, MAX_FILE_MB, Source
from core.load.report import LoadReport
from core.load.territoires import load_territoires
from core.load.trade import load_trade

__all__ = [
    "MAX_EXPANDED_BYTES",
    "MAX_FILE_BYTES",
    "MAX_FILE_MB",
    "IngestError",
    "LoadError",
    "LoadReport",
    "Source",
    "load_territoires",
    "load_trade",
    "rollback",
]
