"""The walkthrough engine: guides from actions/guides/*.yml, matching free text to a guide, and the step-by-step state machine (no Rasa)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import yaml

from rapidfuzz.distance import OSA

from cers.settings import Office, load_office
from cers.text import words

GUIDES_DIR = Path(__file__).resolve().parent / "guides"

# Placeholders a guide text may use; filled from office.yml so another office can deploy the same guides.
PLACEHOLDERS = ("office_name", "office_short_name", "office_phone")

GUIDE_KEYS = {"id", "order", "title", "faq_intent", "phrases", "keywords", "steps", "done"}
REQUIRED_KEYS = ("id", "title", "faq_intent", "phrases", "steps", "done")
STEP_KEYS = {"text", "help"}

COMMANDS = ("start", "next", "back", "repeat", "stop", "restart", "stuck", "all_steps", "resume", "pause")

CAPABILITIES = (
    "I can answer questions about CERS reporting and walk you through a task one step at a time, "
    'for example "walk me through adding a user".'
)
CERS_HELP_DESK = (
    "If the CERS website itself shows an error or won't load, that's for CalEPA's CERS help desk: "
    "cers@calepa.ca.gov."
)


class GuideError(ValueError):
    """A guide file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Step:
    text: str
    help: Optional[str] = None


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    faq_intent: str
    phrases: Tuple[str, ...]
    keywords: Tuple[str, ...]
    steps: Tuple[Step, ...]
    done: str
    order: int = 100
    source: str = ""

    @property
    def step_count(self) -> int:
        return len(self.steps)


# --- loading and validation -------------------------------------------------------------------

def _check_placeholders(text: str, where: str) -> None:
    """Fail at load time, not in the middle of a conversation, on a misspelled placeholder."""
    try:
        text.format(**{name: "" for name in PLACEHOLDERS})
    except (KeyError, IndexError, ValueError) as error:
        raise GuideError(
            f"{where}: bad placeholder {error} (allowed: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        ) from None


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GuideError(f"{where}: '{key}' must be a non-empty text")
    _check_placeholders(value, f"{where} '{key}'")
    return " ".join(value.split())


def _text_list(raw: dict, key: str, where: str, required: bool) -> Tuple[str, ...]:
    value = raw.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise GuideError(f"{where}: '{key}' must be a{' non-empty' if required else ''} list of texts")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise GuideError(f"{where}: '{key}' has an entry that is not a text: {item!r}")
    return tuple(item.strip() for item in value)


def load_guide_file(path: Path) -> Guide:
    """One guide from its YAML file; GuideError names the file and the problem."""
    path = Path(path)
    name = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise GuideError(f"{name}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise GuideError(f"{name}: expected a mapping with {', '.join(REQUIRED_KEYS)}")
    unknown = sorted(set(raw) - GUIDE_KEYS)
    if unknown:
        raise GuideError(f"{name}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(GUIDE_KEYS))})")
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise GuideError(f"{name}: missing {', '.join(missing)}")
    guide_id = _text(raw, "id", name)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", guide_id):
        raise GuideError(f"{name}: id {guide_id!r} must be lowercase letters, digits and underscores")
    if guide_id != path.stem:
        # The file name is how a maintainer finds a guide: keep them the same.
        raise GuideError(f"{name}: id {guide_id!r} differs from the file name {path.stem!r}")
    steps_raw = raw["steps"]
    if not isinstance(steps_raw, list) or not steps_raw:
        raise GuideError(f"{name}: 'steps' must be a non-empty list")
    steps = []
    for number, step in enumerate(steps_raw, start=1):
        where = f"{name} step {number}"
        if isinstance(step, str):
            step = {"text": step}
        if not isinstance(step, dict):
            raise GuideError(f"{where}: must be a mapping with 'text' (and optional 'help')")
        unknown = sorted(set(step) - STEP_KEYS)
        if unknown:
            raise GuideError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: text, help)")
        help_text = _text(step, "help", where) if step.get("help") is not None else None
        steps.append(Step(text=_text(step, "text", where), help=help_text))
    order = raw.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise GuideError(f"{name}: 'order' must be a whole number")
    return Guide(
        id=guide_id,
        title=_text(raw, "title", name),
        faq_intent=_text(raw, "faq_intent", name),
        phrases=_text_list(raw, "phrases", name, required=True),
        keywords=_text_list(raw, "keywords", name, required=False),
        steps=tuple(steps),
        done=_text(raw, "done", name),
        order=order,
        source=name,
    )


@lru_cache(maxsize=8)
def _load_dir(directory: str, fingerprint: Tuple[Tuple[str, float], ...]) -> Dict[str, Guide]:
    guides = [load_guide_file(Path(directory) / file_name) for file_name, _ in fingerprint]
    if not guides:
        raise GuideError(f"{directory}: no guide files (*.yml)")
    by_id: Dict[str, Guide] = {}
    by_faq: Dict[str, str] = {}
    for guide in sorted(guides, key=lambda g: (g.order, g.id)):
        if guide.faq_intent in by_faq:
            raise GuideError(
                f"{guide.source}: faq_intent {guide.faq_intent!r} is already used by {by_faq[guide.faq_intent]}"
            )
        by_faq[guide.faq_intent] = guide.source
        by_id[guide.id] = guide
    return by_id


def load_guides(directory: Optional[Path] = None) -> Dict[str, Guide]:
    """Every guide, in display order; re-read when a file in the folder changes."""
    folder = Path(directory or GUIDES_DIR)
    if not folder.is_dir():
        raise GuideError(f"{folder}: guide folder not found")
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    fingerprint = tuple((p.name, p.stat().st_mtime) for p in files)
    return _load_dir(str(folder), fingerprint)


# --- matching free text to a guide --------------------------------------------------------------

# Words that say "walk me through" rather than which task: they must not decide the guide.
# (Not cers.text.STOPWORDS: "in", "up" and "get" matter here, as in "log in", "sign up".)
WALKTHROUGH_WORDS = frozenset("""
a an the my our your their me i im to how do does did can could would will you we us please help
walk walkthrough walking through thru step steps by one at time guide guided show tell with for of it
this that is are be want wanna need needs like just some and or start go going let lets what
where when which who there here about so now again cers cer on into onto via
""".split())

# Spellings people use for the same word; mapped before matching so phrases stay short.
SYNONYMS = {
    "info": "information", "infos": "information", "biz": "business", "acct": "account",
    "pw": "password", "pwd": "password", "someone": "person", "somebody": "person",
    "people": "person", "signon": "signin", "logon": "login",
    "coworker": "person", "coworkers": "person",
    "employee": "person", "employees": "person", "colleague": "person", "colleagues": "person",
}
# Hyphenated spellings joined before the text is split into words ("sign-in" is "signin").
_JOINED = re.compile(r"\b(sign|log|co)-(in|on|up|workers?)\b", re.IGNORECASE)


def _stem(word: str) -> str:
    """A crude stemmer: the same one is applied to phrases and messages, so it need only be consistent."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    while len(word) > 2 and word[-1] == word[-2]:
        word = word[:-1]
    return word


def _tokens(text: str) -> Tuple[str, ...]:
    joined = _JOINED.sub(lambda m: m.group(1) + m.group(2), text)
    return tuple(_stem(SYNONYMS.get(word, word)) for word in words(joined) if word not in WALKTHROUGH_WORDS)


def _similar(word: str, other: str) -> bool:
    if word == other:
        return True
    shortest, longest = sorted((len(word), len(other)))
    # Short words differ by one letter too often ("log"/"lot"): only longer words get typo tolerance,
    # and typos rarely hit the first letter ("submit" is not a typo of "resubmit").
    allowed = 0 if longest <= 3 or shortest < 3 else (1 if longest <= 8 else 2)
    if allowed == 0 or word[0] != other[0] or abs(len(word) - len(other)) > allowed:
        return False
    return OSA.distance(word, other) <= allowed  # a swapped pair of letters is one typo


def _with_joined_pairs(tokens: Sequence[str]) -> Tuple[str, ...]:
    # "log in" should match "login" and the other way round.
    return tuple(tokens) + tuple(_stem(a + b) for a, b in zip(tokens, tokens[1:]))


@lru_cache(maxsize=64)
def _guide_patterns(guide: Guide) -> Tuple[Tuple[Tuple[str, ...], ...], Tuple[str, ...]]:
    phrases = [guide.title, guide.id.replace("_", " "), *guide.phrases]
    patterns = tuple({t for t in (_tokens(p) for p in phrases) if t})
    keywords = tuple(token for word in guide.keywords for token in _tokens(word))
    return patterns, keywords


def guide_scores(text: str, guides: Optional[Dict[str, Guide]] = None) -> Dict[str, float]:
    """How well the text names each guide: the most words of one phrase found in it (0 when none)."""
    guides = guides if guides is not None else load_guides()
    words = _with_joined_pairs(_tokens(text or ""))
    scores: Dict[str, float] = {}
    if not words:
        return scores
    for guide in guides.values():
        patterns, keywords = _guide_patterns(guide)
        best = 0.0
        for pattern in patterns:
            if all(any(_similar(p, w) for w in words) for p in pattern):
                best = max(best, float(len(pattern)))
        if best == 0 and any(_similar(k, w) for k in keywords for w in words):
            best = 0.5  # a keyword alone is weaker evidence than any whole phrase
        if best:
            scores[guide.id] = best
    return scores


def match_guide(text: str, guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """The guide the text names, or None when it names none or two equally well (then ask)."""
    guides = guides if guides is not None else load_guides()
    scores = guide_scores(text, guides)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return guides[ranked[0][0]]


def find_guide(reference: Optional[str], guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """A guide from an id ("add_user"), a title, or words that name it ("adding a user")."""
    if not reference or not str(reference).strip():
        return None
    guides = guides if guides is not None else load_guides()
    key = str(reference).strip().lower().replace(" ", "_").replace("-", "_")
    if key in guides:
        return guides[key]
    for guide in guides.values():
        if guide.title.lower() == str(reference).strip().lower():
            return guide
    return match_guide(str(reference), guides)


def guide_for_faq(name: Optional[str], guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """The guide a FAQ answer offers: from its intent (how_to_add_user) or response (utter_how_to_add_user, utter_faq/how_to_add_user)."""
    if not name:
        return None
    guides = guides if guides is not None else load_guides()
    key = name.split("/")[-1]
    if key.startswith("utter_"):
        key = key[len("utter_"):]
    for guide in guides.values():
        if guide.faq_intent == key:
            return guide
    return None


# --- the state machine --------------------------------------------------------------------------

@dataclass(frozen=True)
class State:
    """Where the person is: which guide, which step (0-based), and whether it is open or paused."""
    guide_id: Optional[str] = None
    step: int = 0
    open: bool = False
    paused: bool = False

    @property
    def active(self) -> bool:
        """A guide is in progress or can be resumed."""
        return self.guide_id is not None and (self.open or self.paused)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    """What to say (one chat message each), quick replies for the last message, and the new state."""
    messages: Tuple[str, ...]
    buttons: Tuple[Button, ...] = ()
    state: State = field(default_factory=State)

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


NEXT = Button("Next", "/next_step")
BACK = Button("Back", "/previous_step")
REPEAT = Button("Repeat", "/repeat_step")
STUCK = Button("I'm stuck", "/stuck")
ALL_STEPS = Button("All steps", "/show_all_steps")
STOP = Button("Stop", "/stop")
CONTINUE = Button("Continue", "/continue_walkthrough")
START_OVER = Button("Start over", "/restart_walkthrough")


def start_payload(guide_id: str) -> str:
    return "/start_walkthrough" + json.dumps({"guide": guide_id}, separators=(",", ":"))


def _fill(text: str, office: Office) -> str:
    return text.format(office_name=office.name, office_short_name=office.short_name, office_phone=office.phone)


class Walkthrough:
    """The commands over a State. Every method returns a Reply; the State itself is never mutated."""

    def __init__(self, guides: Optional[Dict[str, Guide]] = None, office: Optional[Office] = None):
        self.guides = guides if guides is not None else load_guides()
        self.office = office if office is not None else load_office()

    # -- pieces of replies

    def step_message(self, guide: Guide, index: int) -> str:
        return f"Step {index + 1} of {guide.step_count}: {_fill(guide.steps[index].text, self.office)}"

    def step_buttons(self, index: int) -> Tuple[Button, ...]:
        # No "Back" on step 1: there is nothing to go back to (typing "back" still works and says so).
        return (NEXT,) + ((BACK,) if index > 0 else ()) + (REPEAT, STUCK, ALL_STEPS, STOP)

    def _at_step(self, guide: Guide, index: int, *before: str) -> Reply:
        state = State(guide.id, index, open=True, paused=False)
        return Reply(tuple(before) + (self.step_message(guide, index),), self.step_buttons(index), state)

    def offer_guides(self, *before: str, state: Optional[State] = None) -> Reply:
        titles = "\n".join(f"- {g.title}" for g in self.guides.values())
        text = (
            "I can walk you through these, one step at a time:\n"
            f"{titles}\n"
            'Which one? For example, say "walk me through adding a user".'
        )
        buttons = tuple(Button(g.title, start_payload(g.id)) for g in self.guides.values())
        return Reply(tuple(before) + (text,), buttons, state or State())

    def _guide(self, state: State) -> Optional[Guide]:
        if state.active and state.guide_id in self.guides:
            return self.guides[state.guide_id]
        return None

    def _safe_index(self, guide: Guide, state: State) -> int:
        # A slot can hold a stale index if a guide was shortened since: stay inside the guide.
        return min(max(int(state.step), 0), guide.step_count - 1)

    # -- the commands

    def handle(self, command: str, state: Optional[State] = None, guide_id: Optional[str] = None) -> Reply:
        """Run one command: start (needs guide_id), next, back, repeat, stop, restart, stuck, all_steps, resume, pause.

        guide_id: the guide to start; for "all_steps" with nothing open, the guide to list; for
        "pause", the guide the interrupting answer offers (see pause).
        """
        if command not in COMMANDS:
            raise ValueError(f"unknown walkthrough command {command!r}; expected one of {', '.join(COMMANDS)}")
        state = state or State()
        if command == "start":
            return self.start(guide_id, state)
        if command == "pause":
            return self.pause(state, guide_id)
        if command == "stop":
            return self.stop(state)
        guide = self._guide(state)
        if guide is None:
            return self._nothing_open(command, state, guide_id)
        index = self._safe_index(guide, state)
        resuming = not state.open
        if command == "next":
            if resuming:
                # After an interruption "ok/next" most likely means "let's go on": show the step they
                # were on rather than skip one they may not have done.
                return self._at_step(guide, index, f'Back to "{guide.title}".')
            if index + 1 < guide.step_count:
                return self._at_step(guide, index + 1)
            return Reply((_fill(guide.done, self.office),), (), State())
        if command == "back":
            if index == 0:
                return self._at_step(guide, 0, "You're already on the first step.")
            return self._at_step(guide, index - 1)
        if command == "repeat":
            return self._at_step(guide, index)
        if command == "restart":
            return self._at_step(guide, 0, f'OK, starting "{guide.title}" over.')
        if command == "resume":
            return self._at_step(guide, index, f'Back to "{guide.title}", where you left off.')
        if command == "stuck":
            return self.stuck(guide, index)
        return self.all_steps(guide, index)  # all_steps

    def start(self, guide_id: Optional[str], state: Optional[State] = None) -> Reply:
        state = state or State()
        guide = self.guides.get(guide_id or "")
        if guide is None:
            return self.offer_guides("Which task would you like to go through step by step?", state=state)
        intro = (
            f'Let\'s go through "{guide.title}" one step at a time ({guide.step_count} steps). '
            'After each step say "next"; you can also say "back", "repeat", "I\'m stuck", "all steps" or "stop".'
        )
        current = self._guide(state)
        if current is not None and current.id != guide.id:
            index = self._safe_index(current, state)
            intro = (
                f'OK, leaving "{current.title}" (you were on step {index + 1} of {current.step_count}). ' + intro
            )
        return self._at_step(guide, 0, intro)

    def stop(self, state: State) -> Reply:
        guide = self._guide(state)
        if guide is None:
            return Reply((f"OK. {CAPABILITIES}",), (), State())
        index = self._safe_index(guide, state)
        paused = State(guide.id, index, open=False, paused=True)
        text = (
            f'OK, I\'ve stopped "{guide.title}" at step {index + 1} of {guide.step_count}. '
            'Say "continue" any time to pick up where you left off.'
        )
        return Reply((text,), (CONTINUE, START_OVER), paused)

    def pause(self, state: State, offered_id: Optional[str] = None) -> Reply:
        """An answer to something else interrupted an open guide: pause it and offer to continue.

        offered_id: the guide the answer itself offers ("Want me to walk you through it step by
        step?"). Then "yes" answers that offer, so the way back is worded as "or say continue"
        rather than as a second yes/no question.
        """
        guide = self._guide(state)
        if guide is None or not state.open:
            return Reply((), (), state)
        index = self._safe_index(guide, state)
        if offered_id in self.guides and offered_id != guide.id:
            text = (
                f'Or, to get back to "{guide.title}" where you were (step {index + 1} of {guide.step_count}), '
                'say "continue".'
            )
        else:
            text = (
                f'Want to get back to "{guide.title}"? You were on step {index + 1} of {guide.step_count}. '
                'Say "continue".'
            )
        return Reply((text,), (CONTINUE,), State(guide.id, index, open=False, paused=True))

    def stuck(self, guide: Guide, index: int) -> Reply:
        messages = []
        step_help = guide.steps[index].help
        if step_help:
            messages.append(f"Help with step {index + 1} of {guide.step_count}: {_fill(step_help, self.office)}")
        messages.append(
            f"If you're still stuck, call {self.office.name} at {self.office.phone}. {CERS_HELP_DESK}"
        )
        return Reply(tuple(messages), self.step_buttons(index), State(guide.id, index, open=True, paused=False))

    def all_steps(self, guide: Guide, index: Optional[int] = None) -> Reply:
        lines = "\n".join(
            f"{number}. {_fill(step.text, self.office)}" for number, step in enumerate(guide.steps, start=1)
        )
        text = f'All {guide.step_count} steps of "{guide.title}":\n{lines}'
        if index is None:
            text += '\n\nWant to go one step at a time? Say "walk me through it".'
            return Reply((text,), (Button("Step by step", start_payload(guide.id)),), State())
        text += f'\n\nYou\'re on step {index + 1}. Say "next" when it\'s done.'
        return Reply((text,), self.step_buttons(index), State(guide.id, index, open=True, paused=False))

    def _nothing_open(self, command: str, state: State, guide_id: Optional[str]) -> Reply:
        if command == "all_steps" and guide_id in self.guides:
            return self.all_steps(self.guides[guide_id])
        if command == "stuck":
            return self.offer_guides(
                f"Sorry it's not working. You can call {self.office.name} at {self.office.phone}. {CERS_HELP_DESK}",
                state=State(),
            )
        if command == "resume":
            return self.offer_guides("There's no walkthrough to continue right now.", state=State())
        return self.offer_guides("We're not in the middle of a walkthrough.", state=State())


def handle(command: str, state: Optional[State] = None, guide_id: Optional[str] = None) -> Reply:
    """The command with the installed guides and office settings."""
    return Walkthrough().handle(command, state, guide_id)

