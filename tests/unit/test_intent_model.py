"""cers/intent_model.py: the classifier learns from words, typos and (optionally) embeddings, and ranks every intent."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pytest

from cers.intent_model import IntentModel, word_ngrams

EXAMPLES = [
    ("how do i add a user", "add_user"),
    ("add a person to our account", "add_user"),
    ("invite my coworker", "add_user"),
    ("put a new user on", "add_user"),
    ("i forgot my password", "log_in"),
    ("cant log in", "log_in"),
    ("how do i sign in", "log_in"),
    ("locked out of cers", "log_in"),
    ("when is it due", "due_date"),
    ("what is the deadline", "due_date"),
    ("due date for the annual report", "due_date"),
    ("how many days left", "due_date"),
]


def split(text):
    return text.split()


def trained(embed=None, **settings):
    from cers.intent_model import IntentModelSettings

    model = IntentModel(IntentModelSettings(**settings))
    texts = [t for t, _ in EXAMPLES]
    model.fit(texts, [split(t) for t in texts], [i for _, i in EXAMPLES], embed)
    return model


def test_word_ngrams_are_words_and_pairs():
    assert word_ngrams(["Add", "a", "User"]) == ["add", "a", "user", "add a", "a user"]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("how do I add someone", "add_user"),
        ("forgot pasword", "log_in"),  # a typo: character n-grams still match
        ("deadlin??", "due_date"),
    ],
)
def test_ranks_the_right_intent_first(text, intent):
    [ranking] = trained().rank([text], [split(text)], None)
    assert ranking[0][0] == intent
    assert abs(sum(c for _, c in ranking) - 1.0) < 1e-5
    assert [c for _, c in ranking] == sorted((c for _, c in ranking), reverse=True)


def embedder(vectors):
    """An embed() that knows the training examples' vectors, and others given by text."""
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    embed.calls = calls
    return embed


def test_unsure_messages_are_embedded_and_sure_ones_are_not():
    rng = np.random.default_rng(0)
    centers = {"add_user": rng.normal(size=8), "log_in": rng.normal(size=8), "due_date": rng.normal(size=8)}
    vectors = {t: centers[i] for t, i in EXAMPLES}
    vectors["zzz qqq"] = centers["log_in"] * 3
    embed = embedder(vectors)
    model = trained(embed, cascade_confidence=0.9)
    embed.calls.clear()
    # Words that match nothing: the words-only model is unsure, the embedding ("log_in") decides.
    [ranking] = model.rank(["zzz qqq"], [["zzz", "qqq"]], embed)
    assert ranking[0][0] == "log_in" and embed.calls == [["zzz qqq"]]
    # A message the words-only model is sure of is never embedded.
    embed.calls.clear()
    sure = trained(embed, cascade_confidence=0.0)
    embed.calls.clear()
    sure.rank(["how do i add a user"], [split("how do i add a user")], embed)
    assert embed.calls == []


def test_survives_a_save_and_load():
    buffer = io.BytesIO()
    joblib.dump(trained(), buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    assert loaded.rank(["cant log in"], [["cant", "log", "in"]], None)[0][0][0] == "log_in"


def test_refuses_to_train_on_one_intent():
    with pytest.raises(ValueError):
        IntentModel().fit(["a", "b"], [["a"], ["b"]], ["x", "x"], None)


def test_an_english_message_is_answered_as_if_the_spanish_examples_were_not_there():
    """The Spanish examples ("tengo un tanque": a UST question) teach the bilingual model a
    word that would pull an English message ("how long do I have to report") elsewhere; a message
    flagged English is ranked by the English model alone, anything else by the bilingual one."""
    from cers.intent_model import BilingualIntentModel

    spanish = [("tengo que reportar un tanque", "ust"), ("how long tanque reportar", "ust"), ("tanque reportar", "ust")]
    examples = EXAMPLES + spanish
    texts = [t for t, _ in examples]
    model = BilingualIntentModel()
    model.fit(texts, [split(t) for t in texts], [i for _, i in examples], [e not in spanish for e in examples], None)
    english_only = trained()
    message = "how long tanque reportar"
    [as_english] = model.rank([message], [split(message)], [True], None)
    [as_other] = model.rank([message], [split(message)], [False], None)
    assert as_english == english_only.rank([message], [split(message)], None)[0]
    assert as_other[0][0] == "ust" and as_english[0][0] != "ust"
