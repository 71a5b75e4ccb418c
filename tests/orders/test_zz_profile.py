import cProfile, pstats, io, time
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from orders.services.progress import step_start

pytestmark = pytest.mark.django_db(transaction=True)

def test_profile(chain, routed_job):
    job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    token = Token.objects.create(user=chain.turner_floor).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    from django.conf import settings
    settings.API_THROTTLE_RATES = {k: "100000/min" for k in settings.API_THROTTLE_RATES}
    def tap(i):
        action = "hold" if i % 2 == 0 else "resume"
        body = {"reason": "material"} if action == "hold" else {}
        r = client.post(f"/api/v1/steps/{turn.uuid}/{action}/", body, content_type="application/json")
        assert r.status_code == 200, r.content
    for i in range(20): tap(i)
    for i in range(50): client.get("/healthz")
    t0 = time.process_time()
    for i in range(200): client.get("/healthz")
    h = (time.process_time() - t0) / 200 * 1000
    t0 = time.process_time()
    for i in range(200): tap(i)
    t = (time.process_time() - t0) / 200 * 1000
    print(f"\nCPU per healthz {h:.2f} ms, per tap {t:.2f} ms")
    pr = cProfile.Profile(); pr.enable()
    for i in range(200): tap(i)
    pr.disable()
    s = io.StringIO(); st = pstats.Stats(pr, stream=s); st.sort_stats("cumulative").print_stats(90); print(s.getvalue()[:16000])
    s = io.StringIO(); st = pstats.Stats(pr, stream=s); st.sort_stats("tottime").print_stats(40); print(s.getvalue()[:8000])
