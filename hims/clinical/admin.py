from django.contrib import admin

from hims.clinical.models import Icd10Code


@admin.register(Icd10Code)
class Icd10CodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "title", "title_hi"]
    search_fields = ["code", "title", "title_hi", "terms_hi"]
