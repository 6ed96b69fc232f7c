from rest_framework import serializers

from staff.models import Team, Zone


class TeamSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "estate", "kind", "kind_display", "name"]
        read_only_fields = fields


class ZoneSerializer(serializers.ModelSerializer):
    housekeeper_name = serializers.SerializerMethodField()
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Zone
        fields = ["id", "estate", "name", "housekeeper", "housekeeper_name", "buildings"]
        read_only_fields = fields

    def get_housekeeper_name(self, zone: Zone) -> str:
        user = zone.housekeeper
        return (user.get_full_name() or user.get_username()) if user else ""
