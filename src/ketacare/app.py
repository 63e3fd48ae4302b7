"""create_app(settings): the web pages, the JSON API under /api/v1, and health checks."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.responses import JSONResponse

from ketacare.accounts import admin_views as accounts_admin_views
from ketacare.accounts import views as accounts_views
from ketacare.audit import views as audit_views
from ketacare.config import Settings, get_settings
from ketacare.consent import api as consent_api
from ketacare.consent import views as consent_views
from ketacare.eligibility import api as eligibility_api
from ketacare.eligibility import assessment_views as eligibility_assessment_views
from ketacare.eligibility import views as eligibility_views
from ketacare.eligibility.adequacy import load_adequacy_table
from ketacare.eligibility.settings import load_assessment_settings
from ketacare.interop.fhir import api as fhir_api
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import DbSession
from ketacare.kit.web import errors
from ketacare.kit.web.csrf import csrf_protect
from ketacare.kit.web.middleware import SecurityMiddleware
from ketacare.medications import api as medications_api
from ketacare.medications import views as medications_views
from ketacare.medications import visit_views as medication_visit_views
from ketacare.medications.drugs import drug_table
from ketacare.messaging import views as messaging_views
from ketacare.outcomes import api as outcomes_api
from ketacare.outcomes import views as outcomes_views
from ketacare.patients import api as patients_api
from ketacare.patients import views as patients_views
from ketacare.protocols import api as protocols_api
from ketacare.protocols import views as protocols_views
from ketacare.reports import views as reports_views
from ketacare.scales import api as scales_api
from ketacare.scales import patient_views as scales_patient_views
from ketacare.scales import views as scales_views
from ketacare.scales.definitions import load_instruments
from ketacare.scheduling import api as scheduling_api
from ketacare.scheduling import views as scheduling_views
from ketacare.therapy import api as therapy_api
from ketacare.therapy import views as therapy_views
from ketacare.timeline import views as timeline_views
from ketacare.treatment import api as treatment_api
from ketacare.treatment import chair_views
from ketacare.treatment import views as treatment_views
from ketacare.worklist import views as worklist_views


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="ketacare",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    # Loaded once at start-up: a broken instrument file stops the app with its name and field.
    app.state.instruments = load_instruments(settings.instruments_dir)
    app.state.drugs = drug_table(settings.extra_drugs_file)
    app.state.assessment_settings = load_assessment_settings(settings.assessment_settings_file)
    app.state.adequacy = load_adequacy_table(settings.adequacy_file)
    app.state.today = date.today  # the clinic's calendar day; tests may move it

    static = Path(str(resources.files("ketacare.kit.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(_health_router())
    app.include_router(accounts_views.router)
    app.include_router(accounts_admin_views.router)
    app.include_router(audit_views.router)
    app.include_router(consent_views.router)
    app.include_router(medication_visit_views.router)
    app.include_router(medications_views.router)
    app.include_router(eligibility_views.router)
    app.include_router(eligibility_assessment_views.router)
    app.include_router(patients_views.router)
    app.include_router(scales_views.router)
    app.include_router(scales_patient_views.router)
    app.include_router(worklist_views.router)
    app.include_router(protocols_views.router)
    app.include_router(treatment_views.router)
    app.include_router(chair_views.router)
    app.include_router(scheduling_views.router)
    app.include_router(therapy_views.router)
    app.include_router(timeline_views.router)
    app.include_router(messaging_views.router)
    app.include_router(outcomes_views.router)
    app.include_router(reports_views.router)
    app.mount("/api/v1", _api(app))
    app.mount("/fhir/R4", fhir_api.create_fhir_app(app))
    errors.install(app)
    app.add_middleware(SecurityMiddleware, settings=settings)
    return app


def _api(parent: FastAPI) -> FastAPI:
    """The JSON API as its own sub-application, so its OpenAPI lists only API routes."""
    api = FastAPI(
        title="ketacare API",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
        description="Authenticate with a personal API token (`Authorization: Bearer kct_...`) "
        "or a browser session plus the `X-CSRF-Token` header.",
    )
    api.state.settings = parent.state.settings
    api.state.engine = parent.state.engine
    api.state.session_factory = parent.state.session_factory
    api.state.instruments = parent.state.instruments
    api.state.drugs = parent.state.drugs
    api.state.assessment_settings = parent.state.assessment_settings
    api.state.adequacy = parent.state.adequacy
    api.state.today = parent.state.today
    api.include_router(patients_api.router)
    api.include_router(patients_api.conditions_router)
    api.include_router(scales_api.router)
    api.include_router(medications_api.router)
    api.include_router(eligibility_api.router)
    api.include_router(protocols_api.router)
    api.include_router(treatment_api.router)
    api.include_router(consent_api.router)
    api.include_router(scheduling_api.router)
    api.include_router(therapy_api.router)
    api.include_router(timeline_views.api_router)
    api.include_router(outcomes_api.router)
    errors.install(api)
    return api


def _health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz(db: DbSession) -> JSONResponse:
        db.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    return router
