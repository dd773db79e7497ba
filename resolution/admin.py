from django.contrib import admin

from resolution.models import AiResolution, AiReview, ReviewSampling


@admin.register(AiResolution)
class AiResolutionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "flow", "outcome", "confidence", "sampled", "created_at")
    list_filter = ("outcome", "flow", "sampled")
    raw_id_fields = ("ticket", "message")
    readonly_fields = (
        "ticket",
        "message",
        "flow",
        "outcome",
        "body",
        "facts",
        "confidence",
        "refusal",
        "created_at",
    )


@admin.register(AiReview)
class AiReviewAdmin(admin.ModelAdmin):
    list_display = ("resolution", "verdict", "reviewer", "created_at")
    list_filter = ("verdict",)
    raw_id_fields = ("resolution",)


@admin.register(ReviewSampling)
class ReviewSamplingAdmin(admin.ModelAdmin):
    list_display = ("share", "updated_by", "updated_at")
