"""Meetings ahead: the pages that plan a talk or meeting on a deal, list the week's planned ones
per broker and mark them held or cancelled in one click. The rules are deals.services'
(`activity_plan`, `activity_mark_held`, `activity_record_minutes`, `activity_cancel`), the reads
deals.selectors' (`meetings_ahead`, `activity_get_for_user`)."""
