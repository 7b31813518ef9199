"""User code the malformed configs name; importing it must be the only way it runs."""

NOT_CALLABLE = 42


def score(hp, budget):
    return {"loss": (hp["x"] - 0.5) ** 2}


def score_without_budget(hp):
    return (hp["x"] - 0.5) ** 2


def score_of_nothing():
    return 0.0
