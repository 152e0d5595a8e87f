from django.shortcuts import get_object_or_404, render

from .models import Claim, Source, Speaker, Topic


def home(request):
    return claim_list(request)


def claim_list(request):
    claims = Claim.objects.visible_to(request.user).select_related("claimant")
    return render(request, "claims/claim_list.html", {"claims": claims})


def claim_detail(request, slug):
    claim = get_object_or_404(Claim.objects.visible_to(request.user), slug=slug)
    return render(request, "claims/claim_detail.html", {"claim": claim})


def source_detail(request, pk):
    source = get_object_or_404(Source.objects.visible_to(request.user), pk=pk)
    return render(request, "claims/source_detail.html", {"source": source})


def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker.objects.visible_to(request.user), slug=slug)
    return render(request, "claims/speaker_detail.html", {"speaker": speaker})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    claims = Claim.objects.visible_to(request.user).filter(topics=topic)
    return render(request, "claims/claim_list.html", {"claims": claims, "topic": topic})
