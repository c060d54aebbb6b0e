"""The core contact process (contact_process.py) in plain Mesa: one Python object a person.

    python benchmarks/mesa_contacts.py PEOPLE YEARS [SEED]

Each sex worker is a Mesa agent whose ``step`` draws her week's clients with
``random.choices`` and plays their acts; clients are agents with a weight and an HIV
flag. The model steps its sex workers weekly (``AgentSet.do``) and applies the week's
infections at its end. Prints one JSON line: compute time (``run_s``, after building),
weeks, and people with HIV at the end.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contact_process as cp  # noqa: E402


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's Poisson draw (small means)."""
    limit, k, prod = math.exp(-mean), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


class Person(mesa.Agent):
    """A sex worker or a client: an HIV flag, and a visit weight for clients."""

    def __init__(self, model: ContactModel, hiv: bool, weight: float = 0.0):
        super().__init__(model)
        self.hiv = hiv
        self.weight = weight
        self.infected_this_week = False


class SexWorker(Person):
    """A sex worker: her week's one-off clients and their acts."""

    def step(self) -> None:
        m, rng = self.model, self.model.rng_py
        n = poisson(rng, cp.CLIENTS_PER_SW_WEEK)
        if n == 0:
            return
        for client in rng.choices(m.clients, cum_weights=m.cum_weights, k=n):
            if self.hiv == client.hiv:
                continue
            acts = 1 + poisson(rng, cp.EXTRA_ACTS_MEAN)
            p = cp.P_SW_TO_CLIENT if self.hiv else cp.P_CLIENT_TO_SW
            for _ in range(acts):
                if rng.random() >= cp.P_CONDOM and rng.random() < p:
                    (client if self.hiv else self).infected_this_week = True
                    break


class ContactModel(mesa.Model):
    """Sex workers and clients as Mesa agents, stepped weekly."""

    def __init__(self, n_people: int, seed: int = 1):
        super().__init__(rng=seed)
        self.rng_py = random.Random(seed)
        n_sw, n_cl = cp.sizes(n_people)
        sigma = math.sqrt(math.log(1 + cp.WEIGHT_CV**2))
        self.sex_workers = [SexWorker(self, self.rng_py.random() < cp.PREV_SW)
                            for _ in range(n_sw)]
        self.clients = [Person(self, self.rng_py.random() < cp.PREV_CLIENT,
                               self.rng_py.lognormvariate(-sigma**2 / 2, sigma))
                        for _ in range(n_cl)]
        total, self.cum_weights = 0.0, []
        for c in self.clients:
            total += c.weight
            self.cum_weights.append(total)
        self.sw_set = mesa.agent.AgentSet(self.sex_workers, random=self.random)

    def step(self) -> None:
        self.sw_set.do("step")
        for person in self.agents:
            if person.infected_this_week:
                person.hiv, person.infected_this_week = True, False


def main() -> None:
    n_people, years = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    model = ContactModel(n_people, seed)
    t0 = time.perf_counter()
    weeks = years * cp.WEEKS_PER_YEAR
    for _ in range(weeks):
        model.step()
    run_s = time.perf_counter() - t0
    print(json.dumps({"run_s": run_s, "weeks": weeks,
                      "hiv_end": sum(a.hiv for a in model.agents)}))


if __name__ == "__main__":
    main()
