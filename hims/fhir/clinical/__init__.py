"""FHIR R4 read and search of the clinical record (hims.clinical, hims.records), and
`Patient/{id}/$everything`.

- `mapping`: rows as Encounter, Condition, Observation, AllergyIntolerance, MedicationRequest,
  ServiceRequest, DiagnosticReport and Consent; the NRCES document bundles (hims.records.documents) use the same functions with
  other references (urn:uuid inside the bundle);
- `access`: the reader (acting role, family) and the access-log entries, on the pages' rules
  (hims.records.access);
- `search`: the search parameters, the rows each type is read from, the access scope in SQL;
- `views`: read, search and `$everything`;
- `capability`: their CapabilityStatement entries and the `$everything` operation.

Lab orders are ServiceRequests, signed reports DiagnosticReports and their current values
laboratory Observations (id `lab-<result id>`); a report not signed off is never served.
"""
