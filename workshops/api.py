"""JSON API for the public side of workshops: processes, materials, certifications, search."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers

from .filters import WorkshopFilter
from .models import Capability, Certification, Machine, Material, Process, Workshop
from .selectors import cycling_minutes, get_workshop_for, workshop_profile, workshops_visible_to


class ProcessSerializer(serializers.ModelSerializer):
    class Meta:
        model = Process
        fields = ["code", "jis_symbol", "name_ja", "name_en", "category"]


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["code", "name_ja", "name_en", "category"]


class CertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certification
        fields = ["code", "name_ja", "name_en"]


class MachineSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    model = serializers.CharField(source="model_name")

    class Meta:
        model = Machine
        fields = ["id", "maker", "model", "count"]


class CapabilitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    process = serializers.SlugRelatedField(slug_field="code", read_only=True)
    materials = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    machines = serializers.SerializerMethodField()

    class Meta:
        model = Capability
        fields = [
            "id",
            "process",
            "materials",
            "max_length_mm",
            "max_width_mm",
            "max_height_mm",
            "tolerance_um",
            "lot_min",
            "lot_max",
            "lead_time_days",
            "capacity_hours_per_week",
            "machines",
        ]

    @extend_schema_field(MachineSerializer(many=True))
    def get_machines(self, capability: Capability):
        if not self.context.get("with_machines"):
            return []
        return MachineSerializer(capability.machines.all(), many=True).data


class WorkshopListSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    capabilities = CapabilitySerializer(many=True, read_only=True)
    certifications = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    districts = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    distance_km = serializers.SerializerMethodField()
    cycling_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Workshop
        fields = [
            "id",
            "name",
            "name_kana",
            "name_en",
            "address",
            "latitude",
            "longitude",
            "headcount",
            "founded_year",
            "certifications",
            "districts",
            "rating_average",
            "rating_count",
            "capabilities",
            "distance_km",
            "cycling_minutes",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, workshop: Workshop) -> float | None:
        distance = getattr(workshop, "distance_km", None)
        return None if distance is None else round(distance, 2)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_cycling_minutes(self, workshop: Workshop) -> int | None:
        return cycling_minutes(getattr(workshop, "distance_km", None))


class WorkshopDetailSerializer(WorkshopListSerializer):
    machines = MachineSerializer(many=True, read_only=True)

    class Meta(WorkshopListSerializer.Meta):
        fields = [
            *WorkshopListSerializer.Meta.fields,
            "postal_code",
            "phone",
            "website",
            "description",
            "description_en",
            "machines",
        ]


class ProcessList(generics.ListAPIView):
    """The process taxonomy (JIS B 0122 symbols plus routed non-cutting processes)."""

    serializer_class = ProcessSerializer
    queryset = Process.objects.all()
    pagination_class = None
    filter_backends: list = []


class MaterialList(generics.ListAPIView):
    serializer_class = MaterialSerializer
    queryset = Material.objects.all()
    pagination_class = None
    filter_backends: list = []


class CertificationList(generics.ListAPIView):
    serializer_class = CertificationSerializer
    queryset = Certification.objects.all()
    pagination_class = None
    filter_backends: list = []


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "process",
                str,
                many=True,
                description="Process codes, all required: L,M or repeated.",
            ),
            OpenApiParameter(
                "material",
                str,
                many=True,
                description="Material codes the same capability handles.",
            ),
            OpenApiParameter(
                "certification", str, many=True, description="Certification codes, all required."
            ),
            OpenApiParameter(
                "size",
                str,
                description="Part size in mm: 120, 120x40 or 120x40x30 (fits in any orientation).",
            ),
            OpenApiParameter(
                "near", str, description="Reference point lat,lng (default: your workshop)."
            ),
            OpenApiParameter("lot", int, description="A lot size within the capability's range."),
        ]
    )
)
class WorkshopList(generics.ListAPIView):
    """Search workshops. Same filters as the search page; unknown values give 400."""

    serializer_class = WorkshopListSerializer
    filterset_class = WorkshopFilter

    def get_queryset(self):
        return workshops_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        # Prefetch after filtering so the filter's ordering and annotations are kept.
        return super().filter_queryset(queryset).for_listing()


class WorkshopDetail(generics.RetrieveAPIView):
    serializer_class = WorkshopDetailSerializer
    lookup_url_kwarg = "workshop_uuid"

    def get_object(self):
        workshop = get_workshop_for(self.request.user, self.kwargs["workshop_uuid"])
        return workshop_profile(workshop)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_machines": True}

    @extend_schema(responses=WorkshopDetailSerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
