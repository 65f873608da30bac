"""Every free-text field people type into drops invisible characters as it is read
(``common.fields.PlainTextField``), so no form stores a BEL or a zero-width space."""

import inspect

import pytest
from django import forms

from assessment import forms as assessment_forms
from common.fields import PlainTextField
from projects import forms as projects_forms

# Fields that read structured text with their own parser, not prose.
PARSED = {"TiersField"}


def _text_fields():
    for module in (projects_forms, assessment_forms):
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                if type(field) is forms.CharField or isinstance(field, PlainTextField):
                    yield f"{name}.{field_name}", field


FIELDS = dict(_text_fields())


def test_the_forms_have_text_fields_at_all():
    assert len(FIELDS) >= 15


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_free_text_field_drops_invisible_characters(name):
    field = FIELDS[name]
    assert type(field).__name__ not in PARSED
    assert field.to_python("数据\x07有\u200b误\u202e\x1b\n第二行") == "数据有误\n第二行"


def test_nul_is_left_for_the_validator_to_refuse():
    field = PlainTextField()
    with pytest.raises(forms.ValidationError):
        field.clean("数据\x00有误")
