from django.urls import path

from . import views

urlpatterns = [
    path("jobs/<uuid:job_uuid>/post/", views.posting_new, name="posting_new"),
    path("jobs/<uuid:job_uuid>/suggestions/", views.job_suggestions, name="job_suggestions"),
    path("board/", views.board, name="board"),
    path("postings/<uuid:posting_uuid>/", views.posting_detail, name="posting_detail"),
    path("postings/<uuid:posting_uuid>/offer/", views.posting_offer, name="posting_offer"),
    path("postings/<uuid:posting_uuid>/award/", views.posting_award, name="posting_award"),
    path("postings/<uuid:posting_uuid>/withdraw/", views.posting_withdraw, name="posting_withdraw"),
    path("offers/<uuid:offer_uuid>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]
