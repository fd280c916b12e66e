"""Existing material needs counted in whole units: those whose unit is not a measure (kg, m²,
litres…) and whose goal, pledges and receptions are all whole numbers. The others keep taking
fractions (whole_units stays False), so every stored quantity stays valid for its need."""

from django.db import migrations

# A copy of donations.models.MEASURED_UNITS as it stood when this migration was written: a
# migration must not change with the code.
MEASURED_UNITS = frozenset(
    {"g", "gramme", "grammes", "gram", "grams", "kg", "kilo", "kilos", "kilogramme", "kilogrammes", "kilogram"}
    | {"kilograms", "t", "tonne", "tonnes", "ton", "tons", "quintal", "quintaux"}
    | {"ml", "cl", "dl", "l", "litre", "litres", "liter", "liters"}
    | {"mm", "cm", "m", "km", "mètre", "mètres", "metre", "metres", "meter", "meters"}
    | {"m2", "m²", "m3", "m³", "ha", "hectare", "hectares", "are", "ares"}
)


def _is_whole(quantity):
    return quantity == quantity.to_integral_value()


def mark_whole_needs(apps, schema_editor):
    Need = apps.get_model("donations", "Need")
    Pledge = apps.get_model("donations", "Pledge")
    Reception = apps.get_model("donations", "Reception")
    material = Need.objects.filter(kind="material")
    fractional = set()
    for model in (Pledge, Reception):
        rows = model.objects.filter(need__kind="material").values_list("need_id", "quantity")
        fractional.update(need_id for need_id, quantity in rows.iterator(chunk_size=5000) if not _is_whole(quantity))
    whole = [
        need_id
        for need_id, unit, target in material.values_list("id", "unit", "target_quantity").iterator(chunk_size=5000)
        if need_id not in fractional
        and _is_whole(target)
        and (unit or "").strip().lower().rstrip(".") not in MEASURED_UNITS
    ]
    for start in range(0, len(whole), 500):
        Need.objects.filter(pk__in=whole[start : start + 500]).update(whole_units=True)


class Migration(migrations.Migration):
    dependencies = [("donations", "0003_text_lengths_and_need_whole_units")]

    operations = [migrations.RunPython(mark_whole_needs, migrations.RunPython.noop)]
