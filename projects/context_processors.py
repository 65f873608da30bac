"""Template context shared by every page: which navigation links the user gets."""

from django.utils.functional import SimpleLazyObject

from projects import access


def nav(request):
    """``nav.my_work``, ``nav.review``, ``nav.city_reports``, ``nav.supervision``,
    ``nav.send_supervision`` and ``nav.supervision_waiting`` (the 督办单 waiting for the user's side: one
    COUNT query); computed only when a template reads them."""

    def compute() -> dict[str, bool | int]:
        user = request.user
        inbox = access.has_supervision_inbox(user)
        return {
            "my_work": access.has_work_list(user),
            "review": access.can_open_review(user),
            "city_reports": access.can_read_city_reports(user),
            "supervision": inbox,
            "send_supervision": access.can_send_supervision(user),
            "supervision_waiting": access.supervision_waiting(user).count() if inbox else 0,
        }

    return {"nav": SimpleLazyObject(compute)}
