"""The site's URLs plus ``/boom/``, a view that fails: for the tests of the 500 page
(``@pytest.mark.urls("tests.boom_urls")``)."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("出错了")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
