"""Every staff route handler, registered by app/web/main.py (add new staff controllers
here)."""

from __future__ import annotations

from app.web.staff.account import AccountController
from app.web.staff.admin import AdminUsersController
from app.web.staff.alerts import AlertsController
from app.web.staff.case_export import CaseExportController
from app.web.staff.cases import CasesController
from app.web.staff.city import CityController
from app.web.staff.comment_themes import CommentThemesController
from app.web.staff.dashboards import DashboardController
from app.web.staff.days_off import DaysOffController
from app.web.staff.integrity import IntegrityController
from app.web.staff.plans import PlansController
from app.web.staff.predicate import PredicateController
from app.web.staff.publishing import PublishingController
from app.web.staff.reports import ReportController
from app.web.staff.signin import SignInController
from app.web.staff.unit_pages import UnitPagesController

STAFF_ROUTES = [SignInController, DashboardController, AdminUsersController, CityController,
                UnitPagesController, AccountController, PredicateController,
                PublishingController, ReportController, CommentThemesController,
                IntegrityController, AlertsController, PlansController,
                # before CasesController: /staf/kasus/ekspor.csv is not a receipt
                CaseExportController, DaysOffController, CasesController]
