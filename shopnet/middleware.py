from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageSwitchMiddleware:
    """Japanese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; shopnet is
    Japanese first on every device (a shared shop tablet may be set to anything), and a
    user's own choice is remembered in the language cookie set by /i18n/setlang/.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
