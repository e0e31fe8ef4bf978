from . import plansync_proposal_reject
from . import plansync_exception_dismiss
from . import plansync_wms_message_dismiss
from . import plansync_discrepancy_ignore
