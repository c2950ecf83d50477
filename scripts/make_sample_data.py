"""Regenerate the synthetic data shipped in maturity/data (run from the repository root).

    python scripts/make_sample_data.py

Everything is drawn by maturity.synthetic with fixed seeds, so the files come out the same.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import maturity as mt
from maturity.io import write_responses
from maturity.responses import Respondent, Responses
from maturity.synthetic import generate

DATA = Path("maturity/data")
PEER_SEED = 2026
N_PEERS = 2000

# Fictitious sample companies: (company, sector, employees, turnover, region, respondents)
SAMPLES = [
    ("Officine Rossi", "28.41", 38, 7.5, "ITC4C", ("owner", "plant manager")),
    ("Bianchi Alimentari", "10.51", 120, 41.0, "ITH55", ("owner", "IT lead", "quality")),
    ("Verdi Digital", "62.01", 9, 1.1, "ITI43", ("owner",)),
]


def samples(q: mt.Questionnaire, seed: int) -> Responses:
    people = []
    pool = generate(q, 40, seed=seed, prefix="s").respondents
    k = 0
    for n, (company, sector, employees, turnover, region, roles) in enumerate(SAMPLES):
        for role in roles:
            src = pool[k]
            k += 1
            profile = dataclasses.replace(
                src.profile,
                company=company,
                sector=sector,
                employees=employees,
                turnover=turnover,
                region=region,
            )
            rid = f"{company.split()[-1].lower()}-{role.replace(' ', '-')}"
            answers = dict(src.answers)
            people.append(Respondent(rid, profile, answers))
        del n
    # answers must still satisfy the questionnaire's conditions for the new profile
    fixed = []
    for r in people:
        env = {a: v for a, v in r.answers.items()}
        prof = r.profile.for_conditions()
        keep = {
            i: v
            for i, v in r.answers.items()
            if not any(c.evaluate(env, prof) is False for c in q.conditions_of(i))
        }
        fixed.append(Respondent(r.id, r.profile, keep))
    return Responses(q, tuple(fixed))


def main() -> None:
    (DATA / "samples").mkdir(parents=True, exist_ok=True)
    (DATA / "peers").mkdir(parents=True, exist_ok=True)
    for qid, seed in (("i40-readiness", 11), ("digital-maturity", 12)):
        q = mt.load_questionnaire(qid)
        write_responses(samples(q, seed), DATA / "samples" / f"{qid}-companies.csv", force=True)
    q = mt.load_questionnaire("i40-readiness")
    peers = generate(q, N_PEERS, seed=PEER_SEED, prefix="peer")
    write_responses(peers, DATA / "peers" / "i40-readiness-synthetic.csv", force=True)
    meta = {
        "synthetic": True,
        "description": "Synthetic peer population: fictitious Italian companies drawn by "
        "maturity.synthetic.generate. Not real data; for demonstrations and tests only.",
        "generator": "maturity.synthetic.generate",
        "seed": PEER_SEED,
        "n": N_PEERS,
        "questionnaire": {"id": q.id, "version": q.version},
        "answers": "i40-readiness-synthetic.csv",
    }
    (DATA / "peers" / "i40-readiness-synthetic.json").write_text(
        json.dumps(meta, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
