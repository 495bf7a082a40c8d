"""The API for case management systems (djangorestframework, OpenAPI at /api/schema/).

Clients authenticate with a bearer token; each acts through its own user, so the
same visibility policy and the same audit apply as on the web. Two parts of the
contract are fixed: POST /api/v1/children/search and its response fields.

One rate limiter: each client's allowance (its own ``rate_limit``, else
API_SEARCH_RATE_LIMIT) is counted in the shared cache for its searches, and the same
again for its updates; over it, 429 with a JSON ``detail`` saying the limit and a
``Retry-After`` header. No DRF throttle is stacked on top.
"""

import datetime

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import audit_event_record
from caf.models import CafStatus
from caf.services import CoordinationError, caf_current, caf_record
from feeds.importing import RowError, involvement_upsert
from feeds.models import IntegrationClient
from involvements.models import SENSITIVE_SERVICE_TYPES, Involvement, ServiceType
from records.access import children_visible_to, may_search
from records.names import normalise_postcode
from records.ratelimits import (
    API_SEARCH,
    SearchRefused,
    api_update_allowance_use,
    search_allowance_use,
)
from records.search import SearchCriteria
from records.services import child_search


class ChildSearchIn(serializers.Serializer):
    given_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_of_birth = serializers.DateField(required=False)
    birth_year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=12)

    def validate_postcode(self, value: str) -> str:
        if value and not normalise_postcode(value):
            raise serializers.ValidationError("Enter a UK postcode or postcode district")
        return normalise_postcode(value) if value else ""

    def validate_date_of_birth(self, value: datetime.date) -> datetime.date:
        if value > datetime.date.today():
            raise serializers.ValidationError("The date of birth is in the future")
        return value

    def validate(self, data: dict) -> dict:
        if not (
            data.get("family_name") or data.get("date_of_birth") or " " in data.get("postcode", "")
        ):
            signals = [
                bool(data.get("given_name")),
                bool(data.get("birth_year")),
                bool(data.get("postcode")),
            ]
            if sum(signals) < 2:
                raise serializers.ValidationError(
                    "Give a family name, a full date of birth or a full postcode, or two of "
                    "given name, birth year and postcode district"
                )
        return data


class ChildMatchOut(serializers.Serializer):
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    gender = serializers.CharField()
    postcode_district = serializers.CharField(allow_blank=True)
    score = serializers.IntegerField()


def _refuse_when_over(refused: SearchRefused | None, what: str) -> None:
    """429 with the limit in words and Retry-After (set by DRF from ``wait``)."""
    if refused is not None:
        raise exceptions.Throttled(
            wait=refused.retry_after,
            detail=f"Too many {what}: this client may make {refused.limit_words}.",
        )


def _count_update(request: Request) -> None:
    client: IntegrationClient = request.auth
    refused = api_update_allowance_use(request=request._request, rate=client.allowance)
    _refuse_when_over(refused, "updates")


class ChildSearch(APIView):
    """Ranked matches, exactly as the web search ranks them, under the same visibility policy."""

    @extend_schema(request=ChildSearchIn, responses=ChildMatchOut(many=True))
    def post(self, request: Request) -> Response:
        if not may_search(request.user):
            raise exceptions.PermissionDenied("This client may not search")
        client: IntegrationClient = request.auth
        refused = search_allowance_use(
            request=request._request, group=API_SEARCH, rate=client.allowance
        )
        _refuse_when_over(refused, "searches")
        incoming = ChildSearchIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        criteria = SearchCriteria(
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            date_of_birth=data.get("date_of_birth"),
            birth_year=None if data.get("date_of_birth") else data.get("birth_year"),
            postcode=data.get("postcode", ""),
        )
        outcome = child_search(request=request._request, criteria=criteria)
        body = [
            {
                "id": match.child.public_id,
                "given_name": match.child.given_name,
                "family_name": match.child.family_name,
                "date_of_birth": match.child.date_of_birth,
                "gender": match.child.gender,
                "postcode_district": match.postcode_district,
                "score": match.score,
            }
            for match in outcome.matches
        ]
        return Response(ChildMatchOut(body, many=True).data)


class InvolvementIn(serializers.Serializer):
    child_id = serializers.UUIDField()
    service_code = serializers.CharField(max_length=40)
    service_name = serializers.CharField(max_length=200)
    service_type = serializers.ChoiceField(
        choices=[c for c in ServiceType.choices if c[0] not in SENSITIVE_SERVICE_TYPES]
    )
    practitioner_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    practitioner_role = serializers.CharField(max_length=120)
    practitioner_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    practitioner_email = serializers.EmailField(required=False, allow_blank=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)

    def validate(self, data: dict) -> dict:
        if data.get("end_date") and data["end_date"] < data["start_date"]:
            raise serializers.ValidationError({"end_date": "The end date is before the start date"})
        return data


class InvolvementOut(serializers.Serializer):
    external_id = serializers.CharField()
    child_id = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class InvolvementPut(APIView):
    """Create or update an involvement by the client's own id: repeating it changes nothing."""

    @extend_schema(request=InvolvementIn, responses=InvolvementOut)
    def put(self, request: Request, external_id: str) -> Response:
        _count_update(request)
        incoming = InvolvementIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        child = children_visible_to(request.user).filter(public_id=data["child_id"]).first()
        if child is None:
            raise exceptions.NotFound("No such child")
        client: IntegrationClient = request.auth
        with transaction.atomic():
            existed = Involvement.objects.filter(
                source=client.name, external_ref=external_id
            ).exists()
            try:
                involvement_upsert(
                    child,
                    {
                        "service_code": data["service_code"],
                        "service_name": data["service_name"],
                        "service_type": data["service_type"],
                        "practitioner_name": data.get("practitioner_name", ""),
                        "practitioner_role": data["practitioner_role"],
                        "practitioner_phone": data.get("practitioner_phone", ""),
                        "practitioner_email": data.get("practitioner_email", ""),
                        "start": data["start_date"].isoformat(),
                        "end": data["end_date"].isoformat() if data.get("end_date") else "",
                    },
                    client.name,
                    external_id,
                    external_ref=external_id,
                    organisation=client.organisation,
                    actor=request.user,
                )
            except RowError as error:
                raise exceptions.PermissionDenied(str(error)) from error
            audit_event_record(
                action=Action.INVOLVEMENT_RECORD,
                request=request._request,
                object_type="child",
                object_id=str(child.public_id),
                details={"external_id": external_id, "via": "api"},
            )
        body = {
            "external_id": external_id,
            "child_id": child.public_id,
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
        }
        return Response(
            InvolvementOut(body).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class CafIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=CafStatus.choices)
    started_on = serializers.DateField()
    completed_on = serializers.DateField(required=False, allow_null=True)
    review_due = serializers.DateField(required=False, allow_null=True)
    holder_involvement_id = serializers.CharField(
        max_length=200, help_text="Your own id of the involvement that holds the CAF"
    )


class CafOut(serializers.Serializer):
    child_id = serializers.UUIDField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class CafReport(APIView):
    """Report a child's CAF status (never its content). A change adds a new version."""

    @extend_schema(request=CafIn, responses=CafOut)
    def put(self, request: Request, child_id: str) -> Response:
        _count_update(request)
        incoming = CafIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        child = children_visible_to(request.user).filter(public_id=child_id).first()
        if child is None:
            raise exceptions.NotFound("No such child")
        client: IntegrationClient = request.auth
        holder = Involvement.objects.filter(
            child=child, source=client.name, external_ref=data["holder_involvement_id"]
        ).first()
        if holder is None:
            raise exceptions.ValidationError(
                {"holder_involvement_id": "No involvement of yours with that id for this child"}
            )
        current = caf_current(child)
        unchanged = current is not None and (
            current.status,
            current.started_on,
            current.completed_on,
            current.review_due,
            current.holder_service_id,
        ) == (
            data["status"],
            data["started_on"],
            data.get("completed_on"),
            data.get("review_due"),
            holder.service_id,
        )
        if unchanged:
            version = current
        else:
            try:
                version = caf_record(
                    request=request._request,
                    actor=request.user,
                    child=child,
                    holder=holder,
                    status=data["status"],
                    started_on=data["started_on"],
                    completed_on=data.get("completed_on"),
                    review_due=data.get("review_due"),
                )
            except CoordinationError as error:
                raise exceptions.ValidationError({"detail": str(error)}) from error
        body = {"child_id": child.public_id, "version": version.version, "status": version.status}
        return Response(CafOut(body).data)
