"""The walkthrough state machine: one command over where the person is gives a reply and the new state (wording in cers/templates/en/walkthrough.yml)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from cers.conversation.names import (
    CONTINUE_WALKTHROUGH_INTENT,
    ENGLISH,
    GUIDE_ENTITY,
    NEXT_STEP_INTENT,
    PREVIOUS_STEP_INTENT,
    REPEAT_STEP_INTENT,
    RESTART_WALKTHROUGH_INTENT,
    SHOW_ALL_STEPS_INTENT,
    START_WALKTHROUGH_INTENT,
    STOP_INTENT,
    STUCK_INTENT,
)
from cers.guides.loader import GUIDES_ROOT, Guide, load_guides
from cers.settings import Office, load_office
from cers.templates import office_values, render

COMMANDS = ("start", "next", "back", "repeat", "stop", "restart", "stuck", "all_steps", "resume", "pause")


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
    offers_guide: Optional[str] = None  # a guide the reply offers to start ("Step by step")

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


def say(template: str, language: str = ENGLISH, **values) -> str:
    return render("walkthrough", template, language=language, **values)


# The quick replies: button name in cers/templates/<language>/walkthrough.yml -> the intent its payload sends.
BUTTONS = {
    "next": f"/{NEXT_STEP_INTENT}",
    "back": f"/{PREVIOUS_STEP_INTENT}",
    "repeat": f"/{REPEAT_STEP_INTENT}",
    "stuck": f"/{STUCK_INTENT}",
    "all_steps": f"/{SHOW_ALL_STEPS_INTENT}",
    "stop": f"/{STOP_INTENT}",
    "continue": f"/{CONTINUE_WALKTHROUGH_INTENT}",
    "start_over": f"/{RESTART_WALKTHROUGH_INTENT}",
}


def capabilities(language: str = ENGLISH) -> str:
    return say("capabilities", language)


def start_payload(guide_id: str) -> str:
    return f"/{START_WALKTHROUGH_INTENT}" + json.dumps({GUIDE_ENTITY: guide_id}, separators=(",", ":"))


class Walkthrough:
    """The commands over a State. Every method returns a Reply; the State itself is never mutated."""

    def __init__(
        self, guides: Optional[Dict[str, Guide]] = None, office: Optional[Office] = None, language: str = ENGLISH
    ):
        self.language = language
        self.guides = guides if guides is not None else load_guides(GUIDES_ROOT / language)
        self.office = office if office is not None else load_office()
        self.office_values = office_values(self.office, language)
        self.button = {name: Button(self.say(f"button.{name}"), payload) for name, payload in BUTTONS.items()}

    def say(self, template: str, **values) -> str:
        return say(template, self.language, **values)

    # -- pieces of replies

    def _fill(self, text: str) -> str:
        """A guide's own text with office.yml's values in its placeholders."""
        return text.format(**self.office_values)

    def _where(self, guide: Guide, index: int) -> dict:
        return {"guide": guide.title, "number": index + 1, "count": guide.step_count}

    def step_message(self, guide: Guide, index: int) -> str:
        return self.say("step", text=self._fill(guide.steps[index].text), **self._where(guide, index))

    def step_buttons(self, index: int) -> Tuple[Button, ...]:
        # No "Back" on step 1: there is nothing to go back to (typing "back" still works and says so).
        return (
            (self.button["next"],)
            + ((self.button["back"],) if index > 0 else ())
            + (self.button["repeat"], self.button["stuck"], self.button["all_steps"], self.button["stop"])
        )

    def _at_step(self, guide: Guide, index: int, *before: str) -> Reply:
        state = State(guide.id, index, open=True, paused=False)
        return Reply(tuple(before) + (self.step_message(guide, index),), self.step_buttons(index), state)

    def offer_guides(self, *before: str, state: Optional[State] = None) -> Reply:
        titles = "\n".join(f"- {g.title}" for g in self.guides.values())
        buttons = tuple(Button(g.title, start_payload(g.id)) for g in self.guides.values())
        return Reply(tuple(before) + (self.say("offer_guides", titles=titles),), buttons, state or State())

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
        where = self._where(guide, index)
        if command == "next":
            if resuming:
                # After an interruption "ok/next" most likely means "let's go on": show the step they
                # were on rather than skip one they may not have done.
                return self._at_step(guide, index, self.say("back_after_interruption", **where))
            if index + 1 < guide.step_count:
                return self._at_step(guide, index + 1)
            return Reply((self._fill(guide.done),), (), State())
        if command == "back":
            if index == 0:
                return self._at_step(guide, 0, self.say("first_step_already"))
            return self._at_step(guide, index - 1)
        if command == "repeat":
            return self._at_step(guide, index)
        if command == "restart":
            return self._at_step(guide, 0, self.say("start_over", **where))
        if command == "resume":
            return self._at_step(guide, index, self.say("resume", **where))
        if command == "stuck":
            return self.stuck(guide, index)
        return self.all_steps(guide, index)  # all_steps

    def start(self, guide_id: Optional[str], state: Optional[State] = None) -> Reply:
        state = state or State()
        guide = self.guides.get(guide_id or "")
        if guide is None:
            return self.offer_guides(self.say("offer_guides_which"), state=state)
        intro = self.say("start", **self._where(guide, 0))
        current = self._guide(state)
        if current is not None and current.id != guide.id:
            intro = self.say("leaving", **self._where(current, self._safe_index(current, state))) + " " + intro
        return self._at_step(guide, 0, intro)

    def stop(self, state: State) -> Reply:
        guide = self._guide(state)
        if guide is None:
            return Reply((self.say("stopped_nothing_open", capabilities=capabilities(self.language)),), (), State())
        index = self._safe_index(guide, state)
        paused = State(guide.id, index, open=False, paused=True)
        return Reply(
            (self.say("stopped", **self._where(guide, index)),),
            (self.button["continue"], self.button["start_over"]),
            paused,
        )

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
        which = "pause_after_offer" if offered_id in self.guides and offered_id != guide.id else "pause"
        return Reply(
            (self.say(which, **self._where(guide, index)),),
            (self.button["continue"],),
            State(guide.id, index, open=False, paused=True),
        )

    def stuck(self, guide: Guide, index: int) -> Reply:
        messages = []
        step_help = guide.steps[index].help
        if step_help:
            messages.append(self.say("step_help", text=self._fill(step_help), **self._where(guide, index)))
        messages.append(
            self.say("still_stuck", call_office=self.office_values["call_office"], help_desk=self.say("help_desk"))
        )
        return Reply(tuple(messages), self.step_buttons(index), State(guide.id, index, open=True, paused=False))

    def all_steps(self, guide: Guide, index: Optional[int] = None) -> Reply:
        lines = "\n".join(f"{number}. {self._fill(step.text)}" for number, step in enumerate(guide.steps, start=1))
        text = self.say("all_steps", **self._where(guide, 0)) + "\n" + lines
        if index is None:
            text += "\n\n" + self.say("all_steps_offer")
            return Reply(
                (text,),
                (Button(self.say("button.step_by_step"), start_payload(guide.id)),),
                State(),
                offers_guide=guide.id,
            )
        text += "\n\n" + self.say("all_steps_on_step", number=index + 1)
        return Reply((text,), self.step_buttons(index), State(guide.id, index, open=True, paused=False))

    def _nothing_open(self, command: str, state: State, guide_id: Optional[str]) -> Reply:
        if command == "all_steps" and guide_id in self.guides:
            return self.all_steps(self.guides[guide_id])
        if command == "stuck":
            text = self.say(
                "stuck_nothing_open", call_office=self.office_values["call_office"], help_desk=self.say("help_desk")
            )
            return self.offer_guides(text, state=State())
        if command == "resume":
            return self.offer_guides(self.say("nothing_to_resume"), state=State())
        return self.offer_guides(self.say("not_in_walkthrough"), state=State())


def handle(
    command: str, state: Optional[State] = None, guide_id: Optional[str] = None, language: str = ENGLISH
) -> Reply:
    """The command with the installed guides and office settings."""
    return Walkthrough(language=language).handle(command, state, guide_id)
