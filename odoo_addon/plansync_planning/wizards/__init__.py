from . import plansync_proposal_reject
from . import plansync_exception_dismiss
