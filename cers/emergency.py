"""Tells whether a message describes a release, fire, fumes or exposure happening now: such a message gets "call 911" first, whatever the intent classifier thinks.

Rules, not statistics, because a miss is the one error the bot must not make. A message is read
clause by clause; a clause is an emergency when it says something is escaping, burning or hurting
someone (or names such an event, like "gas leak") and does not place it in the past, in a
hypothetical, in a question about the rules, or in a CERS topic that only shares the words
("emergency response plan", "leak detection", "fire department inspection").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

# ------------------------------------------------------------------------------- word lists
# Things that leak, burn or fume at a facility (singular and common misspellings).
_SUBSTANCE_WORDS = (
    r"chem(?:ical)?s?|gas+(?:oline)?|gasolina|propane?|propano|butane|natural gas|diesel|fuel|"
    r"petrol|oil|hydraulic(?: fluid| oil)?|antifreeze|coolant|freon|refrigerant|"
    r"am+on+i?a|anhydrous|chlorine?|clorine|clorox|bleach|acids?|battery acid|sulfuric|sulphuric|"
    r"muriatic|hydrochloric|caustic|lye|solvents?|thinner|paint|pesticides?|herbicides?|"
    r"insecticides?|fertili[sz]er|fumigant|methyl bromide|chloropicrin|h2s|hydrogen sulfide|"
    r"sulfur dioxide|so2|co2|carbon monoxide|nitrogen|oxygen|acetylene|hydrogen|cyanide|mercury|"
    r"perc|perchloroethylene|formaldehyde|xylene|toluene|acetone|ethanol|methanol|kerosene|"
    r"lpg|cng|mineral spirits|pool chemicals?|cl2|nh3|hazmat|haz mat|vapou?rs?|fumes?"
)
# Words that stand for a substance only in context ("liquid pouring out", "stuff everywhere").
_GENERIC = r"liquid|stuff|something"
_SUBSTANCE_NAMED = f"(?:{_SUBSTANCE_WORDS})"
_SUBSTANCE = f"(?:{_SUBSTANCE_WORDS}|{_GENERIC})"
_CONTAINER = (
    r"(?:tanks?|drums?|barrels?|totes?|containers?|cylinders?|bottles?|jugs?|cans?|pails?|"
    r"buckets?|lines?|pipes?|piping|hoses?|valves?|fittings?|pumps?|truck|tanker|trailer|"
    r"forklift|generator|compressor|battery|batteries|regulator|nozzle|dispenser|pallet|"
    r"vessel|reactor|chiller|condenser|bag|sack)"
)
# Escaping, moving or acting now ("is leaking", "pouring out", "hissing").
_ACTIVE_VERB = (
    r"(?:leak(?:ing|in|s)?|leeking|leekin|spill(?:ing|s)?|spil+ing|pouring|gushing|spewing|blowing|drip|drips|"
    r"eating through|corroding|dissolving|"
    r"spraying|squirting|dripping|seeping|oozing|bubbling|boiling over|foaming|fizzing|hissing|"
    r"hissin|venting|escaping|overflowing|flooding|flowing|running|draining|going|coming|"
    r"burning|smoking|smouldering|smoldering|sparking|melting|reacting|steaming|pooling|dribbling|"
    r"glugging|popping|fuming|frosting over|foam(?:ed|ing) over|boil(?:ed|ing) over|throwing sparks|"
    r"silbando|alarming)"
)
# Where the stuff is going ("onto the ground", "into the storm drain").
_DESTINATION = (
    r"(?:on(?:to)? the (?:ground|floor|street|road|pavement|dirt|lot|deck|water)|"
    r"in(?:to)? the (?:storm ?drains?|drains?|gutter|creek|river|lake|bay|water|harbor|marina|"
    r"ditch|canal|sewer|soil|dirt|air)|everywhere|all over|out of (?:the|our|a|it)|"
    r"out (?:of|from)|down the)"
)
_HURT = (
    r"(?:cough(?:ing)?|choking|can'?t (?:breathe?|breath)|cant (?:breathe?|breath)|"
    r"(?:trouble|hard|difficulty) breathing|short of breath|wheezing|gasping|"
    r"eyes? (?:are |is )?(?:burning|burn|stinging|sting|watering|on fire)|"
    r"(?:throat|skin|nose|lungs?|chest) (?:is |are )?(?:burning|burns|hurts?|on fire|tight)|"
    r"burning (?:eyes|throat|skin|sensation)|dizzy|light ?headed|nause(?:a|ous)|vomit(?:ing)?|"
    r"throwing up|threw up|passed out|pass(?:ing)? out|fainted|unconscious|collapsed|"
    r"not breathing|(?:got|is|was|were|been) (?:splashed|sprayed|burned|burnt|exposed|overcome)|"
    r"splashed (?:in|on|into)|chemical burns?|headaches? from|"
    r"(?:feel|feels|feeling|felt|getting|got|are|is) (?:really |very |so )?(?:sick|ill|nauseous)|"
    r"(?:have|has|having|got|getting) (?:bad |terrible )?(?:headaches?|rash(?:es)?|burns)|"
    r"splashed[\w\s]{0,30}\b(?:face|eyes?|skin|arms?|hands?|legs?|body|mouth)|"
    r"(?:in|on|into) (?:his|her|my|their|your|the guy'?s) (?:face|eyes?|skin|mouth)|"
    r"all over (?:his|her|my|their|your|him|me) ?(?:legs?|arms?|face|body|hands?|clothes|feet)?|"
    r"(?:head|hed|stomach|chest|eyes) (?:hurts?|is killing|aches?|pounding)|"
    r"(?:feel|feels|feeling) (?:bad|unwell|funny|weird|faint|woozy)|"
    r"eyes? (?:\w+ ){0,3}(?:watering|burning|stinging|swelling|swollen))"
)
_EVENT_NOUN = (
    r"(?:leaks?|leeks?|leakage|spills?|releases?|fire|flames?|blaze|smoke|explosion|blast|fumes|"
    r"vapou?r cloud|gas cloud|cloud|plume|rupture|blowout)"
)

# ------------------------------------------------------------------------------- patterns
_STRONG = [
    # "the ammonia line is leaking", "diesel's running out of the generator", "tank hissing"
    rf"\b{_SUBSTANCE}\b[\w\s',/-]{{0,40}}?\b{_ACTIVE_VERB}\b",
    rf"\b{_CONTAINER}\b[\w\s',/-]{{0,40}}?\b{_ACTIVE_VERB}\b",
    r"\b(?:is|are|'s|s|it'?s|its|keeps?|still|started|starting|begun|began) "
    r"(?:\w+ )?(?:leak(?:ing)?|leeking|spilling|pouring|gushing|spewing|hissing|venting|fuming|"
    r"melting|steaming|foaming|sparking|bubbling|boiling|reacting|popping|"
    r"burning|smoking|dripping|seeping|overflowing|on fire)\b",
    rf"\b{_ACTIVE_VERB}\b[\w\s',/-]{{0,25}}?\b{_DESTINATION}",
    # fire, smoke, explosions
    r"\b(?:on fire|caught fire|catching fire|in flames|up in flames|flames? (?:coming|shooting)|"
    r"fire (?:in|at|on|inside|behind|near|by|broke|started|is|spreading)\b|"
    r"(?:a|big|small|chemical|electrical|grease|brush|tank|truck|trash) fire\b|"
    r"(?:smoke|flames?) (?:and|in|inside|at|from|near|by|behind|everywhere|coming)\b|"
    r"smoke (?:still |is |are )?(?:coming|pouring|everywhere|from|out|is)|(?:black|white|yellow|green|thick) smoke|"
    r"explo(?:ded|sion|ding|sions)|blew up|blown up|blast(?:ed)?\b|went off|boom)",
    # smells
    r"\b(?:smel+s?|smel+ing|smelt|odou?r|stench|stink(?:s|ing)?|reeks?|reeking)\b[\w\s,'-]{0,25}?"
    r"\b(?:gas|propane|natural gas|am+on+i?a|chlorine?|clorine|bleach|chemicals?|fumes|sulfur|"
    r"rotten eggs?|solvent|gasoline|diesel|fuel|acid|pesticide|burning|smoke|vapou?rs?)\b",
    r"\b(?:gas|propane|am+on+i?a|chlorine?|chemical|fuel|diesel|gasoline|solvent|acid|burning|"
    r"sulfur|sulphur|rotten egg|weird|strange|strong|funny|chemical-y)\b"
    r"[\w\s,'-]{0,15}?\b(?:smell|odou?r|stench)\b",
    # people hurt
    rf"\b{_HURT}\b",
    # something broken open
    rf"\b(?:overturned|tipped over|fell over|knocked over|rolled over|flipped|cracked|burst|"
    rf"busted|ruptured|punctured|broke(?:n)?(?: open)?|split open|blown|sheared off|snapped)\b"
    rf"[\w\s,'-]{{0,30}}?\b(?:{_CONTAINER}|{_SUBSTANCE})\b",
    rf"\b{_CONTAINER}\b[\w\s,'-]{{0,30}}?\b(?:overturned|tipped over|fell over|knocked over|"
    rf"rolled over|flipped|cracked|burst|busted|ruptured|punctured|broke(?:n)?(?: open)?|"
    rf"split open|sheared off|snapped)\b",
    # "leaking diesel", "spilling acid", "diesel everywhere", "can't stop the leak"
    rf"\b{_ACTIVE_VERB}\b (?:\w+ )?{_SUBSTANCE}\b",
    rf"\b{_SUBSTANCE}\b (?:is |are |all )?(?:everywhere|all over)\b",
    r"\b(?:can'?t|cant|cannot|can not|won'?t|unable to) (?:stop|shut off|shut|close|contain|turn off)\b"
    r"[\w\s]{0,15}\b(?:leak|leek|spill|flow|fire|it|the valve|gas|release)\b",
    rf"\b(?:hit|struck|cut|severed|broke|ruptured|punctured|ran over|backed into|clipped)\b (?:a |the |our )?"
    rf"(?:\w+ )?(?:{_SUBSTANCE} )?(?:line|pipe|main|tank|drum|cylinder|valve|tote)\b",
    r"\bfill(?:ing|ed)? (?:up )?with (?:smoke|gas|fumes|vapou?rs?|chemicals?|it|that|them)\b",
    r"\b(?:smell|odou?r|stench|fumes|vapou?rs?|cloud|smoke|gas|fire|leak) (?:is |are )?(?:spreading|"
    r"getting (?:worse|stronger|bigger)|everywhere|(?:really |so |very )?(?:strong|bad|terrible|awful|"
    r"horrible|thick)|overwhelming)\b",
    r"\b(?:creek|river|stream|pond|lake|water|ditch|drain|runoff) (?:is |are )?(?:turning|turned|"
    r"changing|running|foaming|fizzing) (?:white|green|blue|red|yellow|orange|black|milky|colou?rs?|"
    r"brown|oily)\b",
    r"\bthere'?s (?:a |some )?(?:\w+ )?(?:gas|fumes|vapou?r|cloud|smell|odou?r|smoke)\b",
    # "a cloud of", "fumes in the shop", "vapor coming"
    r"\b(?:cloud|mist|haze|puddle|pool|sheen|stream) of\b",
    r"\b(?:fumes|vapou?rs?|gas+|haze|cloud|mist|smoke) (?:is |are )?(?:in the (?:\w+ )?(?:air|room|shop|building|office|"
    r"warehouse|plant|barn)|inside|everywhere|all over|filling|coming|outside|over|drifting|"
    r"rolling|billowing|pouring|blowing|off (?:the|a|our))\b",
    rf"\b{_SUBSTANCE}\b (?:is |are )?(?:in|on|into) the (?:water|creek|river|stream|pond|lake|bay|"
    r"ground|floor|street|drain|storm drain|ditch|canal|sewer|soil|marina|harbor)\b",
    r"\b(?:fell|dropped|tipped|dumped|went|ran|washed|rolled|slid|got) (?:\w+ ){0,5}?in(?:to)? the "
    r"(?:storm ?drains?|drains?|creek|river|stream|pond|stock pond|lake|ditch|water|bay|canal|sewer|"
    r"well|marina|harbor)\b",
    r"\b(?:hoses?|lines?|pipes?|fittings?|caps?|valves?|couplings?|seals?|gaskets?) (?:\w+ )?"
    r"(?:split|popped off|came off|came loose|blew off|blown off|let go|gave way|failed)\b",
    r"\b(?:alarms?|monitors?|detectors?|sensors?) (?:\w+ ){0,3}(?:is |are |keeps? |started )?"
    r"(?:going off|alarming|sounding|beeping|ringing)\b",
    r"\b(?:heard|hear) (?:a |an )?(?:pop|bang|boom|explosion|hiss(?:ing)?)\b",
    r"\b(?:sheen|slick) (?:\w+ )?(?:on|spreading|across|in)\b",
    r"\b(?:puddle|pool|stream|cloud|plume|stain) (?:\w+ )?(?:keeps|is|are|getting) (?:growing|getting bigger|"
    r"spreading|bigger)\b|\bsteady stream\b",
    r"\b(?:can|could|you can|we can) (?:still )?smell (?:it|gas|chemicals?|fumes|something|that)\b",
    r"\b(?:smells?|reeks?|stinks?) (?:very |really |so |super )?(?:strong|bad|awful|terrible|horrible|toxic)\b",
    r"\b(?:whole|entire) (?:store|shop|building|room|place|plant|office|warehouse|barn|area) "
    r"(?:reeks|stinks|smells)\b",
    r"\b(?:sensors?|monitors?|detectors?|meters?|gauges?) (?:\w+ ){0,3}(?:maxed out|pegged|reading high|in alarm)\b",
    r"\b(?:bulging|swelling|swollen|ballooning|deformed)\b",
    # described by what is happening, no hazard named: water changing colour, a film spreading,
    # skin reacting, stuff coming up or still spreading
    r"\b(?:creek|river|stream|pond|lake|water|ditch|drain|runoff|canal|slough)\b[\w\s',-]{0,40}?\b(?:turning|turned|"
    r"went|going|is|looks|getting) (?:\w+ )?(?:white|green|blue|red|yellow|orange|black|purple|milky|foamy|"
    r"oily|shiny|cloudy|rainbow|colou?rs?|brown)\b",
    r"\b(?:film|sheen|slick|foam|scum|rainbow)\b[\w\s',-]{0,20}?\b(?:spreading|growing|moving|floating|"
    r"on (?:the|our) (?:water|pond|creek|river|ditch|lake|stream|canal))\b",
    r"\b(?:hands?|arms?|face|eyes?|skin|legs?|feet|fingers?|throat|lips?|neck)\b (?:\w+ ){0,3}?(?:is|are|went|turned|"
    r"got|getting|turning|looks?) (?:\w+ )?(?:red|blistering|blistered|burning|numb|swelling|swollen|peeling|"
    r"bleeding|white)\b",
    r"\b(?:product|fuel|gas|oil|liquid|water|stuff|it)\b (?:is |are |keeps? )?(?:still )?(?:coming|bubbling|"
    r"welling|seeping) up\b",
    r"\b(?:it'?s|its|is|are|it is|still|keeps?) (?:still )?spreading\b",
    # a bare event, typed fast: "gas leak", "ammonia release", "LEAK", "spill!!"
    rf"\b{_SUBSTANCE}\b\s+{_EVENT_NOUN}\b",
    rf"^\W*(?:help\W+)?(?:an? )?(?:big |huge |major |bad |small )?{_EVENT_NOUN}\W*(?:help\W*)?$",
    # "spill at the shop now", "right now there's smoke"
    rf"\b{_EVENT_NOUN}\b[\w\s,'-]{{0,30}}?\b(?:right now|now|happening|currently|as we speak)\b",
    rf"\b(?:right now|happening now)\b[\w\s,'-]{{0,30}}?\b{_EVENT_NOUN}\b",
    # "there's a spill / leak / fire", "we have a leak", "just had a release"
    rf"\b(?:there'?s|there is|theres|we(?:'ve| have)? got|we have|we got|i have|i got|got|"
    rf"having|dealing with|just had)\b[\w\s,'-]{{0,20}}?\b{_EVENT_NOUN}\b",
    r"\b(?:help|hurry|asap|urgent|emergency)\b.{0,40}\b(?:leak|spill|fire|smoke|fumes|gas)\b",
    r"\b(?:leak|spill|fire|smoke|fumes|gas)\b.{0,40}\b(?:help me|help us|hurry|asap|urgent)\b",
    r"^\W*(?:this is an? |it'?s an? |we have an? |we got an? )?(?:real )?emergency\b(?:\W*$|\W*(?:help|pls|please))",
    r"\bemergency\W*!+",
    r"\b(?:evacuating|evacuated|evacuate (?:the|now|everyone|everybody|people)|call(?:ed|ing)? (?:the )?fire ?(?:dept|department)|fire ?(?:dept|department|"
    r"trucks?|crews?) (?:is|are) (?:here|on the way|coming))\b",
]

# Not happening now: the past or a hypothetical (decisive, even with "now" in the clause).
_PAST_OR_HYPOTHETICAL = [
    r"\blast (?:year|month|week|weekend|night|spring|summer|fall|autumn|winter|time|quarter|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    r"\b(?:years?|months?|weeks?|days?|decades?|ages) ago\b",
    r"\b(?:earlier|back) (?:this|in|last) (?:year|month|spring|summer|fall|winter)\b",
    r"\bin (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b",
    r"\b(?:yesterday|the other day|previously|in the past|a while back|back in)\b",
    r"\bin (?:19|20)\d\d\b",
    r"\b(?:we|i|they) had (?:a|an|some|one|two|that|this)\b",
    r"\bthere (?:was|were) (?:a|an|some)\b",
    r"\b(?:cleaned|cleaning) (?:it )?up\b",
    r"\b(?:already|been) (?:cleaned|fixed|stopped|contained|" r"repaired|handled|reported|taken care)\b",
    r"\bwas (?:fixed|contained|stopped|repaired)\b",
    r"\b(?:what|wat) if\b",
    r"\bin case\b",
    r"\bif (?:ever|we|i|you|there|a|an|our|one|someone|"
    r"somebody|something|anything|they|it|the|my|your|employees?|a tank)\b",
    r"\b(?:should|would|could) (?:we|i|they|employees|staff|someone) (?:ever )?(?:have|get|"
    r"experience|discover|find|see|notice)\b",
    r"\bhypothetical",
    r"\b(?:say|suppose|supposing|imagine) (?:we|there|a|our)\b",
    r"\b(?:explosion|fire|flame|spark)[- ]?(?:proof|resistant|rated)\b",
    r"\b(?:boss|manager|owner|supervisor|customer|coworker|wife|husband|he|she|they|i|i'?m|we) "
    r"(?:is |was |are |am |'?re )?(?:so |totally |absolutely |just )?fuming\b",
    r"\bdumpster fire\b",
    r"\bburning up (?:about|over|with|because)\b",
    r"\bon fire (?:with|at|on) (?:these|this|the|my|our) (?:\w+ )?(?:submittals?|forms?|paperwork|work|reports?|"
    r"filings?|uploads?|cers|facilities)\b",
    r"\b(?:sales|business|orders|demand|prices|costs|population|customers|growth|traffic) "
    r"(?:have |has )?(?:exploded|blew up|blown up|on fire)\b",
    r"\b(?:could|might|may|would|will|can|ever) (?:\w+ )?(?:leak|spill|catch fire|explode|release|burn|"
    r"rupture|fail)\b",
    r"\b(?:someday|some day|one day)\b",
    r"\bblow(?:s|ing)? up at\b|\bblew up at\b",
    r"\bblast from the past\b",
    r"\bevacuation (?:routes?|plans?|maps?|procedures?|drills?)\b",
]

# A question about rules or a CERS topic that shares the words: urgent only with "now" in it.
_RULES_OR_TOPIC = [
    r"\b(?:how|when|where|who|whom) (?:do|should|would|can|must|to) (?:i|we|you|they|one|"
    r"businesses|employees)? ?(?:report|notify|tell|call|contact|inform)\b",
    r"\b(?:do|does|would|will) (?:i|we|you|they|it|that|this|a \w+) (?:need|have|has) to "
    r"(?:be )?(?:report|notif|tell|call|list|includ|declar|count)\w*",
    r"\b(?:is|are|would|does) (?:a |an |that |this |it |small |minor )?[\w\s]{0,25}"
    r"(?:reportable|something (?:i|we) report|counted|considered|count as)\b",
    r"\bhave to be reported\b",
    r"\bmust (?:i |we )?(?:be )?report\w*\b",
    r"\breporting (?:rules?|" r"requirements?|thresholds?|quantit\w+|obligations?|form|process|deadline)\b",
    r"\bhow (?:big|large|bad|serious|small)\b",
    r"\b(?:gets?|be|is|are) reported\b",
    r"\b(?:thresholds?|reportable quantit\w+|how much|how many (?:gallons|pounds|lbs|cubic)|"
    r"what counts|counts? as|what qualifies|what is considered|definition)\b",
    r"\b(?:plans?|procedures?|training|drills?|policy|policies|program|checklist|template|"
    r"requirements?|regulations?|rules?|law|code)\b",
    r"\b(?:spill|leak) (?:kits?|pads?|trays?|pallets?|containment|berms?|prevention|detection|logs?|records?|"
    r"monitoring|test(?:ing|s)?|sensors?|detectors?|alarms? (?:test|inspection))\b",
    r"\bemergency (?:contacts?|response|plan|shut ?offs?|equipment|numbers?|phone|procedures?|"
    r"coordinator|eyewash|shower|exits?|lights?|generator|info\w*)\b",
    r"\b(?:fire|smoke) (?:department|dept|marshall?|code|inspections?|inspectors?|"
    r"extinguishers?|alarms?|sprinklers?|suppression|hydrants?|lanes?|rated|proof|safety|"
    r"station|district|chief|permit|wall|door|cabinet|drill)\b",
    r"\b(?:no|not|never|nothing|isn'?t|aren'?t|wasn'?t|weren'?t|don'?t|doesn'?t|didn'?t) "
    r"(?:\w+ )?(?:leak\w*|spill\w*|fire|smoke|fumes|release\w*|hurt|injur\w+|burning)\b",
    r"\b(?:cers|login|log in|website|web site|portal|page|screen|computer|password|account|browser|"
    r"inbox|email|phone)\b[\w\s,'-]{0,20}\b(?:on fire|is killing|killing me|blew up|"
    r"exploded|is a disaster|is burning)\b",
    r"\b(?:on fire|killing me|blew up|exploded)\b[\w\s,'-]{0,15}\b(?:cers|login|website|portal|"
    r"page|screen|inbox|phone|emails?)\b",
    r"\bfor (?:the )?future\b",
    r"\bjust (?:in case|wondering|curious|asking)\b",
    r"\b(?:does|do|should|must|would) [\w\s'-]{0,40}\b(?:go|goes|belong|be listed|be included|be "
    r"reported|count) (?:in|into|on|under|anywhere|somewhere)\b",
    r"\b(?:how|what) (?:do|should|would) (?:i|we) (?:list|enter|report|put|include|show|declare)\b",
    r"\b(?:list|enter|include|declare|add) (?:it|them|our|the|my)\b",
    r"\b(?:store|storing|stored|keep|keeping|use|using|have) [\w\s]{0,20}\b(?:gallons?|pounds?|"
    r"lbs|cubic feet|cu ft|tanks? of|cylinders? of)\b",
]

# Present-time words that keep a clause urgent despite a CERS word in it ("now the line is
# leaking", "it's getting worse").
_NOW = (
    r"\b(?:right now|now|currently|at the moment|as we speak|as i type|still|getting worse|"
    r"spreading|everywhere|all over|help|hurry|asap|urgent|quick|quickly|911|can'?t stop|"
    r"won'?t stop|doesn'?t stop|keeps? (?:coming|leaking|going)|this (?:morning|minute|second))\b|!!"
)

# ------------------------------------------------------------------------------- typos
# The words the rules hinge on, as people mean them; a word typed one or two letters off one of
# them ("lekaing", "fule", "puncterd", "storm drian") is read as that word, unless it is itself a
# common English word ("fine", "lead", "still", "spell" stay as typed).
_TYPO_TARGETS = frozenset(
    """
    leak leaks leaking leaked leakage spill spills spilled spilling release released releasing
    fuel fuels gasoline diesel propane butane ammonia chlorine hydraulic acid battery batteries
    thinner solvent pesticide pesticides herbicide fertilizer chemical chemicals cylinder cylinders
    tank tanks drum drums barrel container hose pipe valve punctured ruptured cracked broken
    running pouring gushing spewing dripping spraying seeping oozing overflowing flowing draining
    spreading bubbling hissing venting escaping coming burning smoke smoking smoldering fire flames
    fumes vapor vapors cloud explosion exploded smell smells smelling odor storm drain drains creek
    river ditch sewer everywhere breathing breathe breath coughing choking dizzy lightheaded
    nauseous vomiting unconscious fainted collapsed burned burns splashed sprayed dumped poured
    gallons floor ground parking emergency
    """.split()
)
# Texting shorthand the rules would not otherwise read ("its runing rn", "2 ladies r dizzy").
_SHORTHAND = {
    "rn": "right now",
    "r": "are",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "n": "and",
    "hav": "have",
    "w": "with",
}
_TARGETS_BY_LETTER = {
    letter: tuple(sorted(word for word in _TYPO_TARGETS if word[0] == letter))
    for letter in {w[0] for w in _TYPO_TARGETS}
}
_COMMON_WORDS_FILE = Path(__file__).with_name("common_english_words.txt")
_TOKEN = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _english_words() -> FrozenSet[str]:
    """The committed list of English words (most frequent first in the file)."""
    lines = _COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _words_by_letter() -> Dict[str, Tuple[str, ...]]:
    by_letter: Dict[str, List[str]] = {}
    for word in _english_words():
        by_letter.setdefault(word[0], []).append(word)
    return {letter: tuple(words) for letter, words in by_letter.items()}


def _allowed_edits(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


@lru_cache(maxsize=4096)
def _meant(word: str) -> Optional[str]:
    """The rule word a typed word stands for, or None when it is fine as typed (or is no rule word).

    A typed word nearer to another English word than to any rule word ("bulding": building, not
    burning) stays as typed. Ties go to the rule word ("fule": fuel, not file or full): a false
    alarm costs a line of text, a missed emergency much more (the false-alarm sets measure it)."""
    if len(word) < 4 or word in _TYPO_TARGETS or word in _english_words():
        return None
    allowed = _allowed_edits(word)
    match = process.extractOne(word, _TARGETS_BY_LETTER.get(word[0], ()), scorer=OSA.distance, score_cutoff=allowed)
    if not match:
        return None
    target, distance = match[0], int(match[1])
    if distance > 1:
        closer = process.extractOne(
            word, _words_by_letter().get(word[0], ()), scorer=OSA.distance, score_cutoff=distance - 1
        )
        if closer:
            return None
    return target


def correct_typos(text: str) -> str:
    """A normalised message with the rule words' typos and texting shorthand spelled out."""

    def fix(match: "re.Match[str]") -> str:
        word = match.group()
        return _SHORTHAND.get(word) or _meant(word) or word

    return _TOKEN.sub(fix, text)


# Said of the whole message: what happened is over and they ask about the rules ("we hosed it
# off already, is that reportable"). Decisive unless the message says "now" or someone is hurt.
_OVER = [
    r"\b(?:hosed|washed|mopped|swept|wiped|soaked|sopped|vacuumed|cleaned|picked) (?:it |that |them |everything |"
    r"it all )?(?:off|up|down)\b",
    r"\b(?:it'?s|its|it is|everything is|all) (?:been )?(?:cleaned up|under control|contained|stopped)\b",
    r"\b(?:stopped|contained|fixed) it\b",
]

# Still going on: this outweighs any sign that it is over.
_STILL_HAPPENING = re.compile(
    r"\b(?:right now|now|currently|at the moment|as we speak|still|getting worse|spreading|can'?t stop|"
    r"won'?t stop|keeps? (?:coming|leaking|going|spreading))\b"
)

_STRONG_RE = [re.compile(pattern) for pattern in _STRONG]
_OVER_RE = [re.compile(pattern) for pattern in _OVER]
_PAST_OR_HYPOTHETICAL_RE = [re.compile(pattern) for pattern in _PAST_OR_HYPOTHETICAL]
_RULES_OR_TOPIC_RE = [re.compile(pattern) for pattern in _RULES_OR_TOPIC]
_NOW_RE = re.compile(_NOW)

_CLAUSE_SPLIT = re.compile(r"[.;?\n]+|,\s*(?:and |but |so )?|\s+(?:but|and now|so now|and then|then)\s+")


def normalise(text: str) -> str:
    """Lower case, plain apostrophes and letters, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def read_as_meant(text: str) -> str:
    """What the rules read: the message normalised, its typos and shorthand spelled out."""
    return correct_typos(normalise(text))


def clauses(text: str) -> List[str]:
    return [part.strip() for part in _CLAUSE_SPLIT.split(text) if part and part.strip()]


def _matches(patterns: Iterable[re.Pattern], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def clause_is_emergency(clause: str) -> bool:
    if not _matches(_STRONG_RE, clause):
        return False
    if _matches(_PAST_OR_HYPOTHETICAL_RE, clause):
        return False
    if _matches(_RULES_OR_TOPIC_RE, clause):
        # A rules or CERS word in the clause: urgent only if it also says "now".
        return bool(_NOW_RE.search(clause))
    return True


def describes_emergency(text: str) -> bool:
    """True when the message describes a release, fire, fumes or exposure happening now."""
    if normalise(text).startswith("/"):
        return False
    normalised = read_as_meant(text)
    if not normalised:
        return False
    parts = clauses(normalised)
    # Clause by clause; then the whole message, for a description split by a comma ("the ammonia
    # line, it's leaking") -- the whole message's past or rules words still count against it.
    urgent = any(clause_is_emergency(clause) for clause in parts) or (
        len(parts) > 1 and clause_is_emergency(normalised)
    )
    if urgent and _matches(_OVER_RE, normalised) and not _STILL_HAPPENING.search(normalised):
        return bool(re.search(rf"\b{_HURT}\b", normalised))
    return urgent


def explicitly_not_now(text: str) -> bool:
    """True when the message places what it describes in the past, a hypothetical, or a question
    about rules or a CERS topic ("we had a leak in march", "leak detection"), and nothing in it is
    an emergency: then a classifier's guess of "emergency" is wrong."""
    normalised = read_as_meant(text)
    if not normalised or describes_emergency(normalised):
        return False
    if _matches(_OVER_RE, normalised) and not _STILL_HAPPENING.search(normalised):
        return True  # "we hosed it off already, is that reportable"
    # A rules word counts only without any sign of "now" (an emergency may mention its plan).
    rules = not _NOW_RE.search(normalised)
    return any(
        _matches(_PAST_OR_HYPOTHETICAL_RE, clause) or (rules and _matches(_RULES_OR_TOPIC_RE, clause))
        for clause in clauses(normalised)
    )


_HAZARD_WORDS_RE = re.compile(
    rf"\b(?:{_EVENT_NOUN}|{_HURT}|smel+s?|smelling|odou?r|stench|stinks?|reeks?|hiss\w*|leak\w*|"
    rf"spill\w*|burn\w*|explo\w+|smok\w*|vent(?:ing|ed|s)?|spark\w*|smou?lder\w*|fum\w*|vapou?r\w*|"
    rf"blew up|overturned|tipped|busted|ruptured|burst|drip\w*|puddle|sheen|poisoned|everywhere|"
    rf"all over|split|broke|broken|snapped|blasting|shooting|cracked|overflow\w*|hole in|haze|foggy|"
    rf"went down|knocked)\b"
)


_NAMED_AND_MOVING_RE = re.compile(
    rf"\b{_SUBSTANCE_NAMED}\b.*\b{_ACTIVE_VERB}\b|\b{_ACTIVE_VERB}\b.*\b{_SUBSTANCE_NAMED}\b"
)


def mentions_hazard(text: str) -> bool:
    """True when the message names something leaking, burning, smelling or hurting someone (a
    substance's name alone is not enough: "ammonia?"): without that, a guess of "emergency"
    rests on nothing the person said."""
    normalised = read_as_meant(text)
    return bool(_HAZARD_WORDS_RE.search(normalised) or _NAMED_AND_MOVING_RE.search(normalised))
