from django.contrib import admin

from .models import Commune, Department, Epci, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "updated_at"]
    search_fields = ["code", "nom"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region", "updated_at"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "nom"]


@admin.register(Epci)
class EpciAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "nature"]
    list_filter = ["nature"]
    search_fields = ["code", "nom"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "department", "is_prefecture"]
    list_filter = ["is_prefecture"]
    list_select_related = ["department"]
    search_fields = ["code", "nom"]
    raw_id_fields = ["department", "epci"]
