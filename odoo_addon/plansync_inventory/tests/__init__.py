from . import test_stock_level
from . import test_wms
from . import test_discrepancy
from . import test_availability
from . import test_access_matrix
