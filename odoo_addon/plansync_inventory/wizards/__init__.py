from . import plansync_wms_message_dismiss
from . import plansync_discrepancy_ignore
