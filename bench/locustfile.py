"""Mixed traffic on the city (locust; started by ``bench/load.py``, which writes the accounts file it reads).

    locust -f bench/locustfile.py --headless -u 12 -r 12 -t 60s --host http://127.0.0.1:8197

Four kinds of people, in the proportions of a working day (``weight``):

- residents (5) report through the API — a third about their own flat, a third about a building, a third at a map
  point, half with a category — and look at their own events;
- grid workers (3) open their task list, the mobile workbench, an event of their grid and their persons' list;
- dispatchers (3) — community staff of 彩虹社区 and of the city's other communities — page through the queue and
  search a person (name, pinyin initials, ID number, phone, address);
- leaders (1) — the district leader and the street's staff — open the statistics, the console home and the event
  list through the API.

Each request is named by its kind (``resident: create``, ``dispatcher: queue`` …) so the summary reads per kind.
Every user waits 0–0.2 s between requests: the run measures what two web workers sustain, not a think time.
"""

import json
import os
import random
import re

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ.get("LINLI_CITY_LOAD_JSON", "/tmp/linli-bench-city-var/load.json")).read())
TEXTS = ["楼道灯坏了一周", "楼下垃圾没人清运，味道很大", "电动车在楼道飞线充电", "小区门口井盖松动很危险",
         "楼上装修噪音太大", "路灯不亮晚上很黑", "下水道堵了污水外溢", "小区里有人占道经营"]  # fmt: skip
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(HttpUser):
    abstract = True
    wait_time = between(0, 0.2)

    def on_start(self):
        self.rng = random.Random()
        self.username = username = self.rng.choice(ACCOUNTS[self.pool])
        page = self.client.get("/accounts/login/", name="login page").text
        token = CSRF.search(page).group(1)
        with self.client.post(
            "/accounts/login/",
            data={"username": username, "password": ACCOUNTS["password"], "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            catch_response=True,
        ) as resp:
            if "sessionid" not in self.client.cookies:
                resp.failure(f"login failed for {username}")

    def page(self, path: str, name: str, **params):
        with self.client.get(path, params=params or None, name=name, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")


class Resident(HttpUser):
    weight = 5
    wait_time = between(0, 0.2)

    def on_start(self):
        self.rng = random.Random()
        me = self.rng.choice(ACCOUNTS["residents"])
        self.headers, self.house = {"Authorization": f"Token {me['token']}"}, me["house"]

    @task(3)
    def report(self):
        i = self.rng.randrange(10**9)
        body = {"text": f"{TEXTS[i % len(TEXTS)]}（第{i}次反映）"}
        where = i % 3
        if where == 0 and self.house:
            body["house"] = self.house
        elif where == 1:
            body["building"] = self.rng.choice(ACCOUNTS["buildings"])
        else:
            lng, lat = self.rng.choice(ACCOUNTS["points"])
            body["lat"], body["lng"] = f"{lat:.6f}", f"{lng:.6f}"
        if i % 2:
            body["category"] = self.rng.choice(ACCOUNTS["codes"])
        with self.client.post("/api/v1/events/", json=body, headers=self.headers, name="resident: create",
                              catch_response=True) as resp:  # fmt: skip
            if resp.status_code != 201:
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:200]}")

    @task(1)
    def mine(self):
        with self.client.get("/api/v1/events/", headers=self.headers, name="resident: my events",
                             catch_response=True) as resp:  # fmt: skip
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")


class GridWorker(Staff):
    weight = 3
    pool = "grid_workers"

    @task(3)
    def my_tasks(self):
        self.page("/console/events/tasks/", "grid worker: tasks")

    @task(2)
    def workbench(self):
        self.page("/console/m/", "grid worker: workbench")

    @task(2)
    def event(self):
        pk = self.rng.choice(ACCOUNTS["grid_events"][self.username])
        self.page(f"/console/events/{pk}/", "grid worker: event")

    @task(1)
    def persons(self):
        self.page("/console/people/persons/", "grid worker: persons")


class Dispatcher(Staff):
    weight = 3
    pool = "dispatchers"

    @task(4)
    def queue(self):
        self.page("/console/events/queue/", "dispatcher: queue")

    @task(1)
    def queue_page(self):
        self.page("/console/events/queue/", "dispatcher: queue page 2", page=2)

    @task(2)
    def search(self):
        kind = self.rng.choice(sorted(ACCOUNTS["search"]))
        self.page("/console/search/", "dispatcher: person search", q=self.rng.choice(ACCOUNTS["search"][kind]))


class Leader(Staff):
    weight = 1
    pool = "leaders"

    @task(2)
    def stats(self):
        self.page("/console/events/stats/", "leader: statistics")

    @task(1)
    def home(self):
        self.page("/console/", "leader: console home")

    @task(2)
    def api_list(self):
        self.page("/api/v1/events/", "leader: API event list")
