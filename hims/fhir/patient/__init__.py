"""The FHIR R4 Patient resource over the master patient index (hims.patients).

- `mapping`: a Patient row as a FHIR Patient, and a FHIR Patient body as the demographics
  `hims.patients.forms.PatientDataForm` validates (with the FHIRPath each field came from);
- `access`: who may see patients through FHIR, and the access-log entries every view writes;
- `search`: the search parameters (the CapabilityStatement lists the same declaration);
- `views`: read, search, create, update and `$match`.

Unlike the directory resources (hims.fhir.registry) this is personal data: every endpoint
checks the caller's role, every patient returned is logged, and searches must be narrow.
"""
