"""The relations app's models, one module per area (notices, surveys, events, visits, services);
each is imported here so Django finds them and callers say `relations.models.X`."""

from relations.models.events import CommunityEvent, CommunityEventEvent, EventSignup  # noqa: F401
from relations.models.notices import Notice, NoticeEvent, NoticeRead  # noqa: F401
from relations.models.services import SpecialService, SpecialServiceBooking  # noqa: F401
from relations.models.surveys import (  # noqa: E402, F401
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyEvent,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyTemplateQuestion,
)
from relations.models.visits import ImportantHousehold, Visit  # noqa: F401
