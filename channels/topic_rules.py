"""Rasa reads the topic rules from the topic table (cers/topics.yml), and the responses' Spanish texts (cers/templates/es/responses.yml), through this importer, named in config.yml: no rules file or second domain to keep in step."""

from __future__ import annotations

from typing import Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.rasa import RasaFileImporter

from cers.templates import responses_in_every_language
from cers.topics import topic_rules_yaml


class TopicRulesImporter(RasaFileImporter):
    """Rasa's own file importer (data/, domain.yml, config.yml), plus the rules of the topic table
    and each response's texts in the other languages (conditional variations on the language slot).

    Named under `importers` in config.yml, so training, `rasa data validate` and `rasa test` all
    see the same rules."""

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        from_files = super().get_stories(exclusion_percentage)
        from_table = StoryGraph(YAMLStoryReader().read_from_string(topic_rules_yaml()))
        return from_files.merge(from_table)

    def get_domain(self) -> Domain:
        domain = super().get_domain()
        return domain if domain.is_empty() else with_every_language(domain)


def with_every_language(domain: Domain) -> Domain:
    """The domain with each response's texts in the other languages added (conditional variations
    on the language slot), as training reads it."""
    as_dict = domain.as_dict()
    as_dict["responses"] = responses_in_every_language(as_dict.get("responses") or {})
    return Domain.from_dict(as_dict)
