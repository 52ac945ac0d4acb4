"""Tells a message written in Spanish from one in English, and a Spanish emergency, so that until the bot speaks Spanish it can say so in both languages (and "call 911" in both)."""

from __future__ import annotations

import re
from typing import Optional

from cers.emergency import describes_emergency, normalise

# Frequent Spanish words that are not English words (nor CERS names), accents optional.
_SPANISH_WORDS = frozenset(
    """
    hola buenos buenas dias días tardes noches gracias por favor ayuda ayudar ayudeme ayúdeme necesito
    necesitamos tengo tenemos tiene quiero queremos puedo podemos puede como cómo cuando cuándo donde
    dónde que qué quien quién cual cuál porque porqué para pero pues con sin una uno unos unas los las
    del al el la es esta está están estan estamos muy más mucho poco aqui aquí alli allí
    nuestro nuestra nuestros mi mis su sus tu usted ustedes ellos nosotros yo sí
    cuenta contraseña contrasena usuario negocio empresa tienda rancho reporte reportar
    informe vence fecha año ano anual cambiar cambio actualizar agregar iniciar sesion sesión entrar
    crear llenar enviar hacer hace hizo saber sabe necesita derrame fuga incendio fuego humo
    explosion explosión químico quimico químicos quimicos olor huele arden ojos tos respirar
    mareado ahora rapido rápido urgente tanque tanques cloro amoniaco amoníaco aceite gasolina
    saliendo sale derramando oficina telefono teléfono numero número llamar hablar persona español
    espanol ingles inglés
    """.split()
)
# English words that also appear above ("no", "se", "a"...) are not counted for English.
_ENGLISH_WORDS = frozenset(
    """
    the and you your is are was were to of in on for with my our we i it this that what how when
    where who do does did can could would should have has had need want please thanks thank hello
    hi help not get got there here about from at by be an or if just will me us they them any all
    one new tank gas
    """.split()
)

_SPANISH_EMERGENCY = re.compile(
    r"\b(?:derrame|derramando|derramo|derramó|se derram\w+|fuga|fugas|se (?:esta|está) "
    r"(?:saliendo|saliendo el|tirando|quemando|derramando)|se (?:esta|está|estan|están) \w*(?:ando|iendo|yendo)|"
    r"saliendo|se sale|nube|se rompi[oó]|se revent[oó]|revent[oó]|roto|rota|sale (?:gas|humo|liquido|líquido)|"
    r"incendio|fuego|se solt[oó]|se desbord[oó]|desbordando|corriendo|entrando a la|coladera|alcantarilla|"
    r"en la cara|los ojos|silbando|sonando|olor (?:muy )?(?:fuerte )?a|mareados|mareadas|se sienten? mal|"
    r"le cay[oó]|en los ojos|gritando|se quema|quemando|humo|explosión|explot[oó]|olor a|huele a|huele "
    r"(?:mucho )?(?:raro|fuerte)|me arden|le arden|arden los ojos|no (?:puedo|puede|podemos) "
    r"respirar|tosiendo|mareado|mareada|desmay\w+|intoxicad\w+|emergencia)\b"
)
_SPANISH_NOT_NOW = re.compile(
    r"\b(?:el a[nñ]o pasado|el mes pasado|la semana pasada|hace (?:un|dos|tres|unos|\d+) "
    r"(?:a[nñ]os?|mes(?:es)?|semanas?|d[ií]as)|tuvimos|si alg[uú]n d[ií]a|hubiera|hubiese|tendr[ií]amos|c[oó]mo (?:reporto|reportar|se reporta|"
    r"informo)|si (?:hay|tenemos|ocurre|pasa)|en caso de|contacto de emergencia|plan de emergencia|"
    r"plan de respuesta|extintor|simulacro|capacitaci[oó]n)\b"
)

_CLAUSE_SPLIT = re.compile(r"[,.;!?\n]+|\s+(?:y|pero|and|but)\s+")
_WORD = re.compile(r"[a-záéíóúüñ']+")


def is_spanish(text: str) -> bool:
    """True when the message is mostly Spanish (a one-word greeting like "hola" counts)."""
    words = _WORD.findall(normalise(text))
    if not words:
        return False
    spanish = sum(1 for word in words if word in _SPANISH_WORDS and word not in _ENGLISH_WORDS)
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    if len(words) <= 2:
        return spanish >= 1 and english == 0
    return spanish >= 2 and spanish > english


def describes_spanish_emergency(text: str) -> bool:
    """True when a Spanish (or mixed) message names a leak, fire, fumes or exposure happening now."""
    return any(
        _SPANISH_EMERGENCY.search(clause) and not _SPANISH_NOT_NOW.search(clause)
        for clause in _CLAUSE_SPLIT.split(normalise(text))
    )


def answer_in_spanish(text: str) -> bool:
    """Whether a reply to this message goes in Spanish and English: a Spanish message, or a
    mixed one naming an emergency in Spanish ("the tank is leaking, hay fuga")."""
    return is_spanish(text) or describes_spanish_emergency(text)


EMERGENCY_INTENT = "report_emergency"
NON_ENGLISH_INTENT = "non_english"


def triage_intent(text: Optional[str]) -> Optional[str]:
    """The intent a message must get whatever the classifier says, or None to keep its guess."""
    if not text or text.startswith("/"):
        return None  # a button's payload names its intent itself
    if describes_emergency(text) or describes_spanish_emergency(text):
        return EMERGENCY_INTENT
    if is_spanish(text):
        return NON_ENGLISH_INTENT
    return None
