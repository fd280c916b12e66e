"""Photos of updates and evidence of milestones: attached by leads, stored without metadata."""

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from core import cache_versions, uploads
from core.errors import DomainError, NotAllowed
from publishing.models import Milestone, Photo, Update
from publishing.permissions import can_publish

MAX_PHOTOS_PER_OWNER = 6


@transaction.atomic
def photo_attach(*, actor, update=None, milestone=None, file, caption=""):
    """Attach one photo to an update or to a milestone (exactly one of them), at the end.

    The image is checked and re-encoded (projects/uploads.py: no EXIF, no GPS) before anything
    is written. The owner's row is locked, so two uploads at once can neither exceed the limit
    of MAX_PHOTOS_PER_OWNER nor take the same position. Raises NotAllowed for anyone but the
    project's leads, BadUpload for a file that is not a usable image.
    """
    if (update is None) == (milestone is None):
        raise ValueError("photo_attach needs exactly one of update or milestone")
    owner_model, owner = (Update, update) if update is not None else (Milestone, milestone)
    owner = owner_model.objects.select_for_update().select_related("project").get(pk=owner.pk)
    project = owner.project
    if not can_publish(actor, project):
        raise NotAllowed(_("Only the project's leads may add photos."))
    owner_filter = {"update": owner} if update is not None else {"milestone": owner}
    if not uploads.is_new_upload(file):
        raise DomainError(_("Choose a photo to add."), code="no_file", field="image")
    existing = Photo.objects.filter(**owner_filter).aggregate(last=Max("position"), count=Count("pk"))
    if existing["count"] >= MAX_PHOTOS_PER_OWNER:
        raise DomainError(
            _("At most %(count)s photos each: remove one before adding another.") % {"count": MAX_PHOTOS_PER_OWNER},
            code="too_many_photos",
            field="image",
        )
    image = uploads.process_photo(file)
    last = existing["last"]
    photo = Photo(
        project=project,
        image=image,
        caption=(caption or "").strip()[:200],
        position=0 if last is None else last + 1,
        uploaded_by=actor,
        **owner_filter,
    )
    photo.save()
    cache_versions.project_changed(project)
    return photo
