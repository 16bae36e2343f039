"""FHIR R4 scheduling over OPD sessions, slots and bookings (hims.scheduling), the
Argonaut/SMART pattern: find a `Schedule`, search its free `Slot`s, book an `Appointment`.

- `mapping`: rows as Schedule, Slot and Appointment, and an Appointment body as a booking;
- `search`: Schedule and Slot (directory-like, served by the registry's generic endpoints)
  and the Appointment search (scoped to what the caller may see, every patient logged);
- `access`: who may see and book appointments, and the access-log entries;
- `views`: Appointment read, search, create (book) and update (cancel);
- `capability`: the Appointment entry of the CapabilityStatement.

Bookings go only through `hims.scheduling.services.appointment_book` and
`appointment_cancel`; nothing here writes a slot place or an appointment itself.
"""
