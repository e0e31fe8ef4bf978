from . import compat  # first: refuses an unsupported Odoo, adapts XML
from . import models
