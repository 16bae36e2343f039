from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def clinical_lists(db: None) -> None:
    """The ICD-10 list and medicine master (a transactional test elsewhere may have emptied
    the tables the migrations filled)."""
    from hims.clinical.icd10 import icd10_load
    from hims.clinical.medicines import medicines_load
    from hims.clinical.models import Icd10Code, Medicine

    icd10_load(Icd10Code)
    medicines_load(Medicine)
