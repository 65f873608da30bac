"""Template context shared by every page: which navigation links the user gets."""

from django.utils.functional import SimpleLazyObject

from projects import access


def nav(request):
    """``nav.my_work``, ``nav.review``, ``nav.city_reports``; computed only when a template reads them."""

    def compute() -> dict[str, bool]:
        user = request.user
        return {
            "my_work": access.has_work_list(user),
            "review": access.can_open_review(user),
            "city_reports": access.can_read_city_reports(user),
        }

    return {"nav": SimpleLazyObject(compute)}
