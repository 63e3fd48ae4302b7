"""Every model module, imported once, so metadata and mappers know all tables."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from ketacare.accounts import models as _accounts  # noqa: F401
    from ketacare.audit import models as _audit  # noqa: F401
    from ketacare.consent import models as _consent  # noqa: F401
    from ketacare.eligibility import models as _eligibility  # noqa: F401
    from ketacare.interop.fhir import models as _fhir  # noqa: F401
    from ketacare.kit.db.base import Base
    from ketacare.medications import models as _medications  # noqa: F401
    from ketacare.messaging import models as _messaging  # noqa: F401
    from ketacare.patients import models as _patients  # noqa: F401
    from ketacare.protocols import models as _protocols  # noqa: F401
    from ketacare.scales import models as _scales  # noqa: F401
    from ketacare.scheduling import models as _scheduling  # noqa: F401
    from ketacare.therapy import models as _therapy  # noqa: F401
    from ketacare.treatment import models as _treatment  # noqa: F401
    from ketacare.treatment import session_models as _sessions  # noqa: F401

    return Base.metadata
