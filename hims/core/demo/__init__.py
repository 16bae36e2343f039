"""Demo data for `make run`: a believable Delhi network (see `seed.demo_network_seed`).

Idempotent and safe to run on every start (`make run` does): every row has a natural key
(facility code, weekday and opening time, speciality, room number, HPR ID or council
registration, username, role) and only missing rows are created. Rows that exist are left as
they are, so edits made in the demo survive a restart. Patients are topped up to the requested
number registered at demo facilities. Everything runs in one transaction.

Deterministic: the same code gives the same network and the same patients (random.Random(2026)).

Modules: `facilities` and `names` hold the curated data; `registry` (facilities, hours,
departments, rooms), `practitioners`, `staff` (logins) and `patients` seed one part each,
sharing `people`; `seed` runs them all.
"""
