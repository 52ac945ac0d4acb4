"""Whether a message in Spanish (or Spanglish) describes a leak, spill, fire, fumes or someone hurt happening now: it gets "llame al 911" first, whatever the classifier guessed.

The English rules are in cers/emergency.py. These read the message with its accents dropped and
common texting spellings spelled out ("ay" hay, "se ta" se está, "kema" quema), then ask: does it
name a hazard, is it happening (now, just now, still), and is it not a past release, a
hypothetical ("si algún día ...") or a question about the rules, a plan or a figure of speech
("este formulario me tiene echando humo")?
"""

from __future__ import annotations

import re
import unicodedata

# Texting spellings and common misspellings, word by word (after accents are dropped).
_SPELLING = {
    "ay": "hay",
    "ai": "hay",
    "ta": "esta",
    "tan": "estan",
    "toy": "estoy",
    "umo": "humo",
    "lik": "leak",
    "liq": "leak",
    "tanke": "tanque",
    "tankes": "tanques",
    "disel": "diesel",
    "dizel": "diesel",
    "asido": "acido",
    "cosina": "cocina",
    "aorita": "ahorita",
    "orita": "ahorita",
    "ahorita!": "ahorita",
    "urgnte": "urgente",
    "urjente": "urgente",
    "ayudaa": "ayuda",
    "amonia": "amoniaco",
    "amoniaco": "amoniaco",
    "gasolna": "gasolina",
    "kloro": "cloro",
    "grandote": "grande",
}
_K_SPELLING = re.compile(r"\bk(?=em|im|ier|is)")  # "kema", "kimico", "kiero": que/qui (not "kit")
_SILVA = re.compile(r"\bsilv")  # "silvando": silbando

# A substance that can be released, and where a release must not go.
_SUBSTANCE = (
    r"(?:gas|gasolina|diesel|aceite|acido\w*|quimico\w*|solvente\w*|cloro|amoniaco|propano|combustible|"
    r"pintura|liquido|perc|desengrasante|limpiador|sosa|caustic\w*|pesticida\w*|fertilizante|thinner|fluido|producto|"
    r"refrigerante|bateria\w*|veneno|petroleo|fuel|oil|chemical\w*|ammonia|chlorine|propane|gasoline|mancha|tambo\w*|tote\w*|cilindro\w*|tanques?)"
)
_WATERWAY = r"(?:drenaje|alcantarilla|coladera|arroyo|rio|canal|storm drain|cuneta|zanja)"
# Words that name a release, a fire, fumes or someone hurt by themselves.
_HAZARD = re.compile(
    r"\b(?:derram\w*|fugas?|fugando|leak\w*|spill\w*|incendi\w*|fuego|llamas|flamas|humo|smoke|fire|"
    r"explot\w*|explosion|silb\w*|vapor\w*|nube|desmay\w*|intoxic\w*|quemadura\w*|ardor|arden|"
    r"no (?:puedo|puede|pueden|podemos) respirar|mareado\w*|mareada\w*|se (?:mare\w*|desmay\w*)|"
    r"alarma(?: \w+){0,6} sonando|mancha de \w+ en el agua|se siente\w* mal|se sienten mal|en (?:los|sus|mis) ojos|en la cara|tos\w*|siseo|mareando)\b"
)
# Words that name one only with a substance or a waterway close by ("sale aceite", "gotea acido";
# not "me sale error"), or for fire words, a place or a body part ("se está quemando la bodega").
_RELEASE_VERB = (
    r"(?:gote\w*|chorre\w*|escurr\w*|tirando|tira|saliendo|sale|salen|escap\w*|olor|huele|hiede|"
    r"apesta|rompi\w*|revent\w*|charco|reg[oó]|regad[oa]|volte[oó]|cay[oó]|cayeron|burbuje\w*|espuma|"
    r"metiendo|metio|yendo|entrando|llegando|corriendo|extendiendo|esparciendo|regando)"
)
_FIRE_VERB = r"(?:quem\w*|prendi\w*)"
_PLACE_OR_BODY = r"(?:bodega|cuarto|planta|taller|cocina|oficina|casa|mano|manos|piel|cara|brazos?|pies|ojos)"
_NEAR = r"(?: \w+){0,5} "
_HAZARD_WITH_SUBSTANCE = re.compile(
    rf"\b(?:{_RELEASE_VERB}{_NEAR}(?:{_SUBSTANCE}|{_WATERWAY})|(?:{_SUBSTANCE}|{_WATERWAY}){_NEAR}{_RELEASE_VERB}|"
    rf"{_FIRE_VERB}{_NEAR}(?:{_SUBSTANCE}|{_PLACE_OR_BODY})|(?:{_SUBSTANCE}|{_PLACE_OR_BODY}){_NEAR}{_FIRE_VERB})\b"
)
_USED_OIL = re.compile(r"\baceite\w* quemad\w*")
# Words that say it is urgent ("how do I report it" with one of them is no question about rules).
_URGENT_WORDS = r"ahorita|ahora mismo|en este momento|urgente|urge|auxilio|right now|rn"
# Going on now: a verb in the progressive, or "there is" smoke, fire, a leak...
_GOING_ON = (
    r"(?:esta|estan|estoy|se esta|se estan) \w+(?:ando|iendo|yendo)|"
    r"hay (?:un|una|mucho|mucha)? ?(?:humo|fuego|fuga|derrame|llamas|flamas|olor|vapor|nube)"
)
_URGENT = re.compile(rf"\b(?:{_URGENT_WORDS})\b|!!")
# Still going on, even in a message that also tells of something past ("hubo una explosión y hay humo").
_STILL = re.compile(rf"\b(?:todavia|sigue|siguen|{_URGENT_WORDS}|{_GOING_ON})\b|!!")
# It is happening: now, still, urgent, a call for help.
_HAPPENING = re.compile(
    rf"\b(?:ahora|ayuda|rapido|apurense|vengan|manden|todavia|sigue|siguen|{_URGENT_WORDS}|{_GOING_ON})\b|!!"
)
# Over: a release in the past, cleaned up, stopped or old.
_OVER = re.compile(
    r"\b(?:ayer|anoche|antier|pasad[oa]s?|hace (?:un|una|unos|unas|dos|tres|\d+) \w+|el otro dia|"
    r"ya (?:lo |la |se )?(?:limpi\w*|control\w*|par[oó]|termin\w*|arregl\w*|recogi\w*|apag\w*)|"
    r"(?:lo|la) limpiamos|viej[oa]s?|olvid\w*|despues del hecho|que ya paso|ya paso|tuvimos|tuve|hubo)\b"
)
# Not happening: a hypothetical or the future.
_IF = re.compile(
    r"\b(?:si (?:\w+ ){0,3}(?:hay|hubiera|tenemos|tuvieramos|tiene|ocurre|pasa|llega|se)|en caso|futuro|"
    r"algun dia|llegara|hubiera|que hago si|que pasa si|por si)\b"
)
# About the rules, a plan, equipment or paperwork rather than an event.
_ABOUT_RULES = re.compile(
    r"\b(?:reportar\w*|reporta|reportan|reporte|reporto|avisar|avisarle\w*|notificar|obligacion\w*|reglas?|"
    r"minima|minimo|cantidad|cuantos galones|deteccion|detector\w*|prueba\w*|monitor\w*|plan|planes|"
    r"procedimiento\w*|contactos?|numero de emergencia|generador|regaderas?|llaves? de cierre|extintor\w*|"
    r"simulacro\w*|capacitacion|entrenamiento|manifiesto\w*|permiso|inspeccion|cers|sers|formulario|papeleo|"
    r"tramite|pestanas|multa|lista|seccion|pantalla|kit|error)\b"
)


def read_spanish(text: str) -> str:
    """Lower case, accents dropped (ñ kept), texting spellings spelled out."""
    text = (text or "").lower().replace("ñ", "\0")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).replace("\0", "ñ")
    words = [_SPELLING.get(word, word) for word in re.findall(r"[a-zñ0-9']+|!+", text)]
    read = " ".join(words)
    return _SILVA.sub("silb", _K_SPELLING.sub("qu", read))


# A question (not a report): then it must also say the release is happening.
_QUESTION = re.compile(
    r"\?|^(?:que|como|cuanto\w*|cuando|donde|quien\w*|cual\w*|se necesita|se debe|hay que|debo|debemos|"
    r"tengo que|tenemos que|necesito|necesitamos|es obligatorio)\b"
)
_CLAUSE = re.compile(r"[,.;:!?]+|\s+(?:y|pero|and|but)\s+")


def describes_spanish_emergency(text: str) -> bool:
    """True when a Spanish (or mixed) message names a release, fire, fumes or exposure happening now
    (for a message in Spanish: an English one is read by cers/emergency.py)."""
    read = read_spanish(text)
    if _QUESTION.search((text or "").strip().lower()) and not _HAPPENING.search(read):
        return False
    return _could_be_emergency(read)


def rules_out_spanish_emergency(text: str) -> bool:
    """Whether the words say a Spanish message is no emergency, whatever the classifier guessed: a
    release in the past or a hypothetical, or a hazard word only in words about the rules, a plan or
    paperwork ("este formulario me tiene echando humo"). Words the rules do not know say nothing."""
    read = read_spanish(text)
    return _not_now(read) or (names_hazard(read) and not _could_be_emergency(read))


def _not_now(read: str) -> bool:
    """A hypothetical, or a release in the past that the message does not say is still going on."""
    return bool(_IF.search(read) or (_OVER.search(read) and not _STILL.search(read)))


def _could_be_emergency(read: str) -> bool:
    """Whether a Spanish message (as read_spanish reads it) names a hazard, not in the past or a
    hypothetical, and not only in words about the rules, a plan or paperwork (a question may be
    one: "hay humo, ¿qué hago?")."""
    if not names_hazard(read) or _not_now(read):
        return False
    if _URGENT.search(read):
        return True
    # A clause that names the hazard and is not about the rules, a plan or paperwork. (A release
    # word's substance may be in the clause before: "le pegó a la bomba de gasolina y está
    # saliendo a chorros".)
    clauses = _CLAUSE.split(read)
    return any(
        not _ABOUT_RULES.search(clause) and names_hazard(" ".join(clauses[max(index - 1, 0) : index + 1]))
        for index, clause in enumerate(clauses)
    )


def names_hazard(read: str) -> bool:
    read = _USED_OIL.sub("aceite usado", read)  # "aceite quemado" is used oil, not a fire
    return bool(_HAZARD.search(read) or _HAZARD_WITH_SUBSTANCE.search(read))


def mentions_spanish_hazard(text: str) -> bool:
    """True when a Spanish message names a leak, fire, fumes or exposure (now or not)."""
    return names_hazard(read_spanish(text))
