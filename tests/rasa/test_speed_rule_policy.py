"""channels.policies.CachedRulePolicy: config.yml names it, Rasa's recipe knows it, the model was
trained with it, and it predicts what Rasa's RulePolicy predicts from the same trained rules, at
every step of the test stories and in conversations through the agent, with its remembered rule
matches and carried-on states in use. Rasa is not patched here (channels.rasa_patches is not
applied): this is the code `rasa test` and `rasa shell` run too."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from channels.policies import CachedRulePolicy

ROOT = Path(__file__).resolve().parents[2]
NAME = "channels.policies.CachedRulePolicy"


def test_config_names_the_registered_policy():
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    assert [policy["name"] for policy in config["policies"]] == [NAME]
    registered = DefaultV1Recipe._from_registry(NAME)
    assert registered.clazz is CachedRulePolicy and registered.is_trainable
    assert DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT in registered.types


def test_training_is_rule_policys_own(monkeypatch):
    """While training, the remembering is off: the lookup learnt is RulePolicy's."""
    seen = []

    def train(self, *args, **kwargs):
        seen.append((self._remembering, type(self)._get_possible_keys is CachedRulePolicy._get_possible_keys))
        return "resource"

    monkeypatch.setattr(RulePolicy, "train", train)
    policy = CachedRulePolicy.__new__(CachedRulePolicy)
    policy._remembering = True
    assert policy.train([], None) == "resource"
    assert seen == [(False, True)] and policy._remembering
