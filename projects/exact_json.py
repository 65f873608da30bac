"""A JSON serialization format that keeps times to the microsecond.

Django's ``json`` format encodes with ``DjangoJSONEncoder``, which cuts datetimes and
times to milliseconds (ECMA-262's date format). A backup made with it does not give
back the rows it was made from, and two reports made within one millisecond tie on
``created_at`` after a restore. This format writes the full ISO 8601 value instead.

Registered as ``exactjson`` in ``SERIALIZATION_MODULES``; ``backup`` dumps with it.
Its output is ordinary JSON that Django's own ``json`` deserializer reads back
exactly (``DateTimeField.to_python`` parses microseconds), so ``data.json`` loads
with a plain ``loaddata``.
"""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.timezone import is_aware


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            value = o.isoformat()
            return value.removesuffix("+00:00") + "Z" if value.endswith("+00:00") else value
        if isinstance(o, datetime.time):
            if is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def serialize(self, queryset, **options):
        # The json serializer hands its options to json.dump: ``cls`` is the encoder.
        options.setdefault("cls", ExactJSONEncoder)
        return super().serialize(queryset, **options)


Deserializer = django_json.Deserializer
