"""The transparent rules behind the ``risk`` analyser: what each risk signal looks for.

Every rule has an id (``signal.rule``), a weight, patterns in Spanish and English and a short
English explanation a reviewer reads. Patterns are regular expressions over *prepared* text:
lower-cased, accents stripped, letters repeated three or more times collapsed ("mamaaa" ->
"mama"), curly apostrophes straightened and whitespace squeezed to one space.

A signal fires when each of its ``requires`` groups has at least one rule that fired and the
sum of its fired rules' weights (clamped to 0..1) reaches ``SIGNAL_MIN``. Negative weights are
counter-evidence (a legitimate job ad's salary range and company details).

These rules are a triage aid for **human review**. They miss things and they flag innocent
posts; a reviewer always decides, and nothing is sent, reported or blocked automatically.
See ``docs/protect.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from antena.protect.redact import ADDRESS, PHONE

SIGNALS = ("recruitment_offer", "predatory_reply", "minor_oversharing", "distress_youth")
SIGNAL_MIN = 0.35  # a signal is listed from this score on; the review queue's threshold is separate
EXTRA_SIGNAL_BONUS = 0.1  # risk_score = best signal score + this for every other signal that fired
REPLY_KINDS = frozenset({"reply", "comment", "quote", "live_chat"})

SIGNAL_DESCRIPTIONS = {
    "recruitment_offer": "a job, modelling or travel offer with the marks of fraudulent recruitment",
    "predatory_reply": "an offer of shelter, money, gifts, a ride or secrecy addressed to someone",
    "minor_oversharing": "a young person's age or school together with a phone, address, school or place",
    "distress_youth": "a young person's distress: conflict with parents, wanting to leave home",
}

Matcher = Callable[[str, str], bool]  # (prepared text, post kind) -> fired


@dataclass(frozen=True)
class Rule:
    """One transparent rule: an id, a weight, patterns (Spanish, English) and an explanation."""

    id: str
    signal: str
    weight: float
    explanation: str
    es: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    matcher: Matcher | None = None  # for rules that are not plain patterns
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    def fires(self, text: str, kind: str) -> bool:
        if self.pattern is not None and self.pattern.search(text) is not None:
            return True
        return self.matcher is not None and self.matcher(text, kind)

    @property
    def reason(self) -> str:
        return f"[{self.id}] {self.explanation}"


@dataclass(frozen=True)
class Signal:
    id: str
    description: str
    rules: tuple[Rule, ...]
    requires: tuple[frozenset[str], ...]  # each group needs one fired rule id
    trigger: int = 0  # the group the fast pre-filter looks for (the rarest)


_PREPARE_SPACE = re.compile(r"\s+")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_RE2_SPACE = r"[\t-\r\x{1c}-\x{1f}\x{85}\pZ]"  # what Python's ``\s`` matches in str patterns
_NEEDS_SQUEEZE = _RE2_SPACE + "{2}|[^ \\PZ]|[\\t-\\r\\x{1c}-\\x{1f}\\x{85}\u2019\u00b4]"  # odd or repeated spaces, quotes
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ANY_ELONGATION = "|".join(c * 3 for c in _LETTERS)
MAX_CHARS = 20_000  # like ``textutil.fold``: rules look at the first 20,000 characters


def prepare(folded: str) -> str:
    """Prepared text for the rules, from already folded text (see ``textutil.fold``)."""
    text = folded.replace("\u2019", "'").replace("\u00b4", "'")
    return _ELONGATED.sub(r"\1", _PREPARE_SPACE.sub(" ", text)).strip()


def prepare_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``prepare(fold(text))`` for a whole Arrow string array at once (vectorised, RE2)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    text = pc.utf8_lower(pc.utf8_slice_codeunits(texts.cast(pa.string()), 0, MAX_CHARS))
    text = _only_where(text, pc.invert(pc.string_is_ascii(text)), _strip_accents)
    text = _only_where(text, pc.match_substring_regex(text, _NEEDS_SQUEEZE), _squeeze)
    text = _only_where(text, pc.match_substring_regex(text, _ANY_ELONGATION), _collapse_elongations)
    return pc.utf8_trim_whitespace(text)


def _only_where(text: pa.Array, mask: pa.Array, step: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply ``step`` to the rows where ``mask`` holds (cheaper than to every row)."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return text
    return pc.replace_with_mask(text, mask, step(pc.filter(text, mask)))


def _strip_accents(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_normalize(text, "NFD"), "[\u0300-\u036f]+", "")


def _squeeze(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.replace_substring_regex(text, "[\u2019\u00b4]", "'"), _RE2_SPACE + "+", " ")


def _collapse_elongations(text: pa.Array) -> pa.Array:
    for letter in _LETTERS:  # RE2 has no back-references: one pass per letter
        text = pc.replace_substring_regex(text, letter + "{3,}", letter)
    return text


def words(*alternatives: str) -> str:
    """Alternatives matched as whole words."""
    return r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"


def has_phone(text: str, _kind: str = "") -> bool:
    """A phone number: seven or more digits in a phone-like group (as ``redact`` sees it)."""
    return any(sum(c.isdigit() for c in m.group(0)) >= 7 for m in PHONE.finditer(text))


def has_address(text: str, _kind: str = "") -> bool:
    """A street address with a number (as ``redact`` sees it)."""
    return ADDRESS.search(text) is not None


def is_reply(_text: str, kind: str) -> bool:
    return kind in REPLY_KINDS


# ---------------------------------------------------------------- shared fragments
_AGE_WORD = r"(?:1[0-7]|[89]|diez|once|doce|trece|catorce|quince|dieciseis|diecisiete)"
_AGE_WORD_EN = r"(?:1[0-7]|[89]|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
# "tengo 14 años" / "tengo 14 y me aburro" / "tengo 13" but not "tengo 14 años de experiencia"
AGE_ES = (
    r"(?<!\w)(?:tengo|cumpli|cumplo|voy a cumplir|acabo de cumplir|ya tengo) " + _AGE_WORD
    + r"(?: ?(?:anos|anitos|a)(?!\w)(?! (?:de(?! edad)|en|con|como|sin|que|trabaj\w*|casad\w*|aqui|\w+ando|\w+iendo)(?!\w))"
    r"|(?= ?(?:$|[^\w\s]|(?:y|e|pero|me|soy|estoy|vivo|voy|no|jaja\w*|alguien|busco)(?!\w))))",
    r"(?<!\w)soy (?:menor de edad|menor|una nina|un nino|adolescente)(?!\w)",
    r"(?<!\w)" + _AGE_WORD + r" anos de edad",
)
AGE_EN = (
    r"(?<!\w)(?:i'?m|i am) " + _AGE_WORD_EN
    + r"(?: ?(?:years?|yrs?) old| ?(?:yo|y/o|y\.o\.?))?(?= ?(?:$|[^\w\s]|(?:and|but|lol|btw|from|in|yo|&)(?!\w)))",
    r"(?<!\w)" + _AGE_WORD_EN + r" ?(?:years? old|yrs? old|yo|y/o)(?!\w)",
    r"(?<!\w)(?:i'?m|i am) (?:a minor|underage|a kid|a teen|a teenager)(?!\w)",
)
_SCHOOL = r"(?:secu|secundaria|telesecundaria|prepa|preparatoria|primaria|bachillerato|cch|conalep|cbtis|cetis|colegio|escuela)"
SCHOOL_ES = (
    r"(?<!\w)(?:voy|estoy|estudio|ando) (?:en|a) (?:la |el |una |un )?(?:\w+ (?:de |grado de |ano de )?)?" + _SCHOOL + r"(?!\w)",
    r"(?<!\w)(?:1r?o|2d?o|3r?o|1er|primero|segundo|tercero|[1-6]°?) (?:grado |ano )?de (?:secu|secundaria|prepa|primaria)(?!\w)",
)
SCHOOL_EN = (
    r"(?<!\w)(?:i'?m|i am) in (?:\d{1,2}(?:st|nd|rd|th)|sixth|seventh|eighth|ninth|tenth|eleventh) grade",
    r"(?<!\w)(?:i'?m|i am) (?:a )?(?:freshman|sophomore|junior) in (?:high school|hs)",
    r"(?<!\w)(?:i'?m|i am) in (?:middle school|junior high|high school|year (?:[7-9]|1[0-3]))(?!\w)",
    r"(?<!\w)my (?:middle school|junior high)(?!\w)",
)
_PARENT_WORDS_ES = r"mama|mami|madre|papa|papi|padre|padres|papas|jefa|jefe|jefes|familia|padrastro|madrastra"
_PARENTS_ES = "(?:" + _PARENT_WORDS_ES + ")"
_PARENTS_EN = r"(?:mom|mum|mother|dad|father|parents|family|stepdad|stepmom|stepfather|stepmother)"
_DM_ES = r"(?:dm|md|mensaje|msj|inbox|privado|interno|whats|whatsapp|wa)"


# ---------------------------------------------------------------- recruitment_offer
RECRUITMENT = (
    Rule("recruitment.offer", "recruitment_offer", 0.1, "offers work, modelling, a casting or a job",
         es=(words(r"se (?:busca|buscan|solicita|solicitan|necesita|necesitan|requiere|requieren|contrata|ocupa|ocupan)",
                   "buscamos", "solicitamos", "contratamos", r"(?:oferta|ofertas|propuesta) de (?:trabajo|empleo)",
                   "trabajo", "trabajos", "empleo", "chamba", "vacantes?", "modelaje", "modelos?", "casting",
                   r"edecan(?:es)?", "hostess", "bailarinas?", "meseras?", r"damas? de compania", "acompanantes?"),),
         en=(words("hiring", r"we(?:'re| are) (?:looking for|hiring|recruiting)", "jobs?", "work", r"modell?ing",
                   "models?", "casting", r"hostess(?:es)?", "dancers?", r"vacanc(?:y|ies)", "recruiting",
                   r"opportunit(?:y|ies)", "positions? available"),)),
    Rule("recruitment.pay_too_good", "recruitment_offer", 0.25, "promises high or easy pay",
         es=(words(r"(?:muy )?(?:buen|buenos|excelente|excelentes|gran|alto|altos) (?:sueldos?|pagos?|salarios?|ingresos?|ganancias?)",
                   r"sueldos? (?:alto|altos|atractivo|excelente)", r"ganas? (?:hasta |mas de )?\$? ?\d[\d,.]*",
                   r"dinero (?:facil|rapido|seguro)", r"pago (?:diario|semanal) (?:alto|garantizado)",
                   r"(?:pago|sueldo) en dolares", r"ganancias (?:altas|garantizadas)"),),
         en=(words(r"(?:good|great|high|excellent|huge|amazing|top) (?:pay|salary|money|income|wages)", "easy money",
                   "fast cash", r"earn (?:up to )?\$ ?\d[\d,.]*k?", r"make \$ ?\d[\d,.]*k? (?:a|per) (?:day|week)"),)),
    Rule("recruitment.no_experience", "recruitment_offer", 0.2, "needs no experience",
         es=(words("sin experiencia", r"no (?:se )?(?:requiere|necesita|necesitas|pedimos|piden) experiencia"),),
         en=(words(r"no experience(?: needed| required| necessary)?"),)),
    Rule("recruitment.abroad", "recruitment_offer", 0.25, "offers work abroad",
         es=(words(r"(?:trabajo|trabajar|trabaja|chamba|empleo|empleos|jale) (?:en|para|a) (?:el |los )?"
                   r"(?:eu|ee\.? ?uu\.?|usa|estados unidos|el norte|el extranjero|extranjero|espana|europa|japon|canada|dubai|otro pais)"),),
         en=(words(r"(?:work|jobs?|working) (?:abroad|overseas|in (?:the )?(?:usa|us|europe|dubai|japan|canada|uk))"),)),
    Rule("recruitment.travel_paid", "recruitment_offer", 0.25, "pays the travel, visa or lodging",
         es=(words(r"viajes? (?:pagados?|incluidos?|gratis)",
                   r"(?:te |les )?(?:pagamos|cubrimos|damos|ponemos) (?:el |tu |los )?(?:viaje|pasaje|boleto|boletos|transporte|vuelo|hospedaje)",
                   r"(?:pasaje|boleto|vuelo|hospedaje|visa|alojamiento) (?:pagados?|incluidos?|gratis)"),),
         en=(words(r"travel (?:paid|covered|included)", r"(?:we|i) (?:pay|cover) (?:for )?(?:your |the )?(?:travel|flights?|tickets?|visa)",
                   r"(?:free|paid) (?:flights?|travel|accommodation|housing|visa)",
                   r"(?:flights?|visa|accommodation|housing) (?:paid|included|provided)"),)),
    Rule("recruitment.private_contact", "recruitment_offer", 0.2, "asks to be contacted privately (DM, inbox, WhatsApp)",
         es=(words(r"(?:manda|mandame|mandanos|manden|envia|enviame|envianos|escribe|escribeme|escribenos) (?:un )?" + _DM_ES,
                   r"(?:por|al) " + _DM_ES, "whats", "whatsapp", r"wa\.me", "telegram"),),
         en=(words(r"(?:dm|pm|inbox|message|text|whatsapp) me", r"(?:send|shoot) (?:me|us) a (?:dm|pm|message|text)",
                   "hit me up", r"(?:via|on|by) (?:dm|whatsapp|telegram)"),)),
    Rule("recruitment.send_photos", "recruitment_offer", 0.35, "asks candidates to send photos",
         es=(words(r"(?:manda|mandame|mandanos|manden|envia|enviame|envianos|sube|pasame|pasanos) (?:tus |unas |una |tu |sus )?"
                   r"(?:fotos?|fotitos?|selfies?|pics?)",
                   r"fotos? (?:en|de) (?:bikini|ropa interior|lenceria|traje de bano|cuerpo completo)"),),
         en=(words(r"send (?:me |us )?(?:your |some |a few |a )?(?:photos?|pics?|pictures?|selfies?|nudes)",
                   r"(?:full ?body|bikini|lingerie) (?:pics?|photos?)"),)),
    Rule("recruitment.targets_minors", "recruitment_offer", 0.35, "targets minors or an age range below 18",
         es=(words(r"(?:chicas|chavas|ninas|ninos|jovencitas|muchachas|senoritas|chicos|jovenes|mujeres) de 1[0-7] (?:a|y|-) \d\d(?: anos)?",
                   r"1[0-7] (?:a|-) 1\d anos", "menores de edad", "jovencitas", r"(?:chicas|modelos) de 1[0-7] ?(?:\+|anos)"),),
         en=(words(r"(?:girls|boys|teens?|models?) (?:aged? )?1[0-7] ?(?:\+|(?:-|to) ?\d\d)", r"1[0-7] ?\+", "underage",
                   r"(?:young|teen) (?:girls|models)", r"ages? 1[0-7]"),)),
    Rule("recruitment.young_people", "recruitment_offer", 0.15, "addresses young people or girls",
         es=(words("jovenes", "chicas", "chavas", "muchachas", "senoritas"),),
         en=(words("young (?:people|women|girls|ladies)", "girls"),)),
    Rule("recruitment.no_cost", "recruitment_offer", 0.1, "says it costs nothing",
         es=(words("sin costo", "gratis"),), en=(words("no (?:cost|fee)", "free casting", "free of charge"),)),
    Rule("recruitment.phone_number", "recruitment_offer", 0.15, "gives a phone number instead of a company contact",
         matcher=has_phone),
    Rule("recruitment.legit_salary_range", "recruitment_offer", -0.2, "states a salary range (usual in real job ads)",
         es=(r"\$ ?\d[\d,.]* ?(?:a|-|\u2013|hasta) ?\$? ?\d[\d,.]*(?: (?:mensuales|al mes|semanales|netos|brutos))?",),
         en=(r"\$ ?\d[\d,.]*k? ?(?:-|\u2013|to) ?\$? ?\d[\d,.]*k?(?: ?(?:/ ?hr|/ ?hour|per hour|an hour|a year|per year|/ ?yr))?",)),
    Rule("recruitment.legit_company", "recruitment_offer", -0.2, "names a registered company or its HR department",
         es=(r"s\.? ?a\.? de c\.? ?v\.?", r"s\.? de r\.? ?l\.?", words("recursos humanos", "rh"),),
         en=(words(r"inc\.?", "llc", r"ltd\.?", "human resources", "hr department"),)),
    Rule("recruitment.legit_process", "recruitment_offer", -0.15, "describes a formal hiring process (CV, interview at offices, benefits)",
         es=(words("cv", "curriculum", "solicitud elaborada", "prestaciones(?: de ley)?", "imss", "seguro social",
                   r"entrevistas? en (?:nuestras |las )?(?:oficinas|instalaciones|sucursal)"),),
         en=(words("resume", "cv", "full benefits", "benefits", "401k", r"apply (?:at|online|via|on)",
                   r"interviews? at (?:our )?(?:office|offices|store)"),)),
)

# ---------------------------------------------------------------- predatory_reply
PREDATORY = (
    Rule("predatory.offer_shelter", "predatory_reply", 0.45, "offers someone a place to stay",
         es=(words(r"(?:te|les?) (?:puedo|podemos|podria|voy a) (?:dar|ofrecer|conseguir|prestar) (?:un |una )?"
                   r"(?:lugar|cuarto|casa|techo|espacio|donde (?:quedarte|dormir|vivir))",
                   r"(?:puedes|podrias|pueden) (?:quedarte|venirte|vivir|dormir|llegar) (?:conmigo|en mi casa|en mi depa|en mi cuarto|aqui|aca|con nosotros)",
                   r"(?:vente|venté) (?:a vivir )?(?:conmigo|a mi casa|a mi depa|con nosotros)",
                   r"ven a vivir (?:conmigo|a mi casa|a mi depa|con nosotros)",
                   r"quedate (?:conmigo|en mi casa|con nosotros)",
                   r"(?:tengo|hay) (?:un |una )?(?:lugar|cuarto|espacio|cama) (?:para ti|para que te quedes|donde (?:te )?(?:puedes )?quedarte)",
                   r"te (?:recibo|hospedo|doy asilo)"),),
         en=(words(r"i (?:can|could|will|'ll|would) (?:give|offer|find|get) you (?:a |some )?(?:place|room|somewhere|home|bed|roof)",
                   r"you (?:can|could) (?:stay|live|crash|sleep|move in) (?:with me|at my (?:place|house|apartment)|with us|here)",
                   r"come (?:and )?(?:stay|live) with (?:me|us)", r"stay at my (?:place|house|apartment)",
                   r"(?:i have|i've got|there'?s) (?:a )?(?:room|place|bed|spare room|couch) for you"),)),
    Rule("predatory.offer_money_gifts", "predatory_reply", 0.35, "offers someone money or gifts",
         es=(words(r"(?:yo )?te (?:doy|regalo|mando|deposito|compro|pago|presto|puedo dar|puedo regalar|puedo mandar|puedo comprar|puedo pagar) "
                   r"(?:dinero|lana|varo|feria|un celular|un cel|un iphone|ropa|regalos?|lo que quieras|todo lo que|\$ ?\d)"),),
         en=(words(r"i (?:can|could|will|'ll|would) (?:give|send|buy|get) you (?:money|cash|a phone|an iphone|gifts?|clothes|anything|whatever|\$ ?\d)",
                   r"i'?ll pay for (?:you|your|everything)"),)),
    Rule("predatory.offer_ride", "predatory_reply", 0.3, "offers someone a ride or a ticket",
         es=(words(r"(?:yo )?(?:paso|voy|puedo pasar|te puedo pasar) (?:por ti|a recogerte|a traerte|a buscarte)",
                   r"te (?:recojo|recogo|paso a recoger|voy a buscar|puedo recoger)",
                   r"te (?:pago|compro|mando|disparo) (?:el |tu )?(?:boleto|pasaje|camion|uber|taxi|viaje)"),),
         en=(words(r"i (?:can|could|will|'ll|would) (?:pick you up|come get you|come and get you|drive you|give you a ride)",
                   r"i'?ll (?:pay for|buy|get) (?:you )?(?:your |a )?(?:bus|ticket|uber|ride|train)"),)),
    Rule("predatory.secrecy", "predatory_reply", 0.4, "asks someone to keep it secret from parents or others",
         es=(words(r"no (?:le |les )?(?:digas|cuentes|avises|ensenes) (?:nada )?(?:a (?:tus?|nadie)|de esto|de nosotros)",
                   r"(?:es|sera|sea) (?:nuestro|un) secreto", r"(?:borra|borres) (?:los |este |el |estos )?(?:mensajes?|chats?|conversacion)",
                   r"que no se enteren? tus?"),),
         en=(words(r"don'?t tell (?:your|anyone|anybody|ur)", r"(?:our|a) little secret", r"(?:it'?s|this is|be) our secret", r"keep (?:it|this) (?:a )?secret",
                   r"delete (?:the |this |our |these )?(?:chats?|messages?|conversation|dms)", r"keep (?:it|this) between us"),)),
    Rule("predatory.offer_help", "predatory_reply", 0.2, "offers someone personal help",
         es=(words(r"(?:yo )?te (?:ayudo|puedo ayudar|apoyo|puedo apoyar|echo la mano|saco de ahi)"),),
         en=(words(r"i (?:can|could|will|'ll) help you", r"let me help you", r"i'?ll get you out"),)),
    Rule("predatory.private_contact", "predatory_reply", 0.2, "moves the conversation to private messages",
         es=(words(r"(?:manda|mandame|escribe|escribeme|enviame|hablame) (?:un |por )?" + _DM_ES,
                   r"por " + _DM_ES, r"pasame tu (?:numero|whats|cel|snap|insta|direccion)", "whats", "whatsapp"),),
         en=(words(r"(?:dm|pm|inbox|message|text|snap|add) me", r"(?:send|give) me your (?:number|snap|address|insta)",
                   r"(?:hit|hmu|slide into) (?:me |my )?(?:up|dms)", "hmu"),)),
    Rule("predatory.mentions_family", "predatory_reply", 0.15, "refers to the person's parents or home",
         es=(words(r"tus? " + _PARENTS_ES, r"(?:de|tu) casa"),), en=(words(r"(?:your|ur) " + _PARENTS_EN, "home"),)),
    Rule("predatory.asks_personal", "predatory_reply", 0.15, "asks where the person lives, their age or school, or to meet",
         es=(words(r"donde vives", r"cuantos anos tienes", r"(?:a que|en que) (?:escuela|secu|secundaria|prepa) vas",
                   r"(?:nos vemos|vernos|veamos|conocernos) (?:en persona|hoy|manana|solos|a solas)"),),
         en=(words(r"where do (?:you|u) live", r"how old (?:are|r) (?:you|u)", r"what school do (?:you|u) go to",
                   r"meet (?:up|me|in person)"),)),
    Rule("predatory.is_reply", "predatory_reply", 0.15, "is written as a reply to another post", matcher=is_reply),
)

# ---------------------------------------------------------------- minor_oversharing
MINOR = (
    Rule("minor.age", "minor_oversharing", 0.3, "states an age under 18 in the first person", es=AGE_ES, en=AGE_EN),
    Rule("minor.school", "minor_oversharing", 0.3, "says they are at school (primary, secondary, high school)",
         es=SCHOOL_ES, en=SCHOOL_EN),
    Rule("minor.phone", "minor_oversharing", 0.4, "shares a phone number", matcher=has_phone),
    Rule("minor.contact_handle", "minor_oversharing", 0.25, "shares a messaging account or invites contact",
         es=(words(r"mi (?:whats|whatsapp|cel|celular|numero|telefono|snap|snapchat|insta|ig|tiktok|face|discord)(?: es|:)?"),),
         en=(words(r"my (?:number|phone|cell|snap|snapchat|insta|ig|tiktok|kik|discord|whatsapp)(?: is|:)?",
                   r"add me on (?:snap|snapchat|insta|ig|kik|discord)"),)),
    Rule("minor.address", "minor_oversharing", 0.4, "shares a street address",
         es=(words(r"vivo en (?:la |el )?(?:calle|colonia|col|av|avenida|fraccionamiento|fracc|unidad|privada|andador)"),),
         en=(words(r"i live (?:on|at) \d+", r"i live on [a-z]+ (?:street|st|road|rd|ave|avenue)"),),
         matcher=has_address),
    Rule("minor.school_name", "minor_oversharing", 0.3, "names their school",
         es=(words(_SCHOOL + r" (?:tecnica |general |federal |estatal |diurna |oficial )?(?:no\.? ?|num\.? ?|numero |# ?)?\d+",
                   r"(?:colegio|instituto) [a-z]{3,}"),),
         en=(words(r"(?:i go to|i attend|at) (?!(?:my|our|the|a|your|his|her|their) )[a-z]+(?: [a-z]+)? (?:high|middle|elementary|junior high) school",
                   r"(?:high|middle) school (?:no\.? ?|# ?)?\d+"),)),
    Rule("minor.location", "minor_oversharing", 0.15, "says where they live or hang out",
         es=(words(r"vivo (?:en|por) [a-z]", r"(?:soy|somos) de [a-z]{3,}", r"alguien de por (?:aqui|aca)",
                   r"mi (?:casa|colonia|escuela) (?:esta|queda) (?:en|por)"),),
         en=(words(r"i live (?:in|near|by|on) ", r"anyone (?:near|around|from) ", r"i'?m from [a-z]{3,}"),)),
    Rule("minor.contact_invite", "minor_oversharing", 0.1, "invites strangers to contact them",
         es=(words("escribanme", "escribeme", "mandenme", "hablenme", "agregame", "agreguenme", "mandame mensaje"),),
         en=(words("text me", "hmu", "add me", "dm me", "hit me up", "message me"),)),
)

# ---------------------------------------------------------------- distress_youth
DISTRESS = (
    Rule("distress.parent_conflict", "distress_youth", 0.5, "expresses conflict with parents or family",
         es=(words(r"odio a (?:mi|mis) (?:" + _PARENT_WORDS_ES + r"|hermanos?|abuel[oa]s?)",
                   r"(?:mis papas|mi mama|mi papa|mis padres|mi familia|mi jefa|mi jefe|mi padrastro|mi madrastra) "
                   r"(?:no me (?:quiere|quieren)(?! \w+(?:ar|er|ir)(?!\w))|no me (?:entiende|entienden|hace caso|hacen caso)|"
                   r"me (?:odia|odian|pega|pegan|grita|gritan|corrio|corrieron|maltrata|maltratan|golpea|golpean))",
                   r"me (?:pegan|golpean|maltratan) en (?:mi|la) casa"),),
         en=(words(r"i (?:hate|can'?t stand) (?:my )?" + _PARENTS_EN,
                   r"my " + _PARENTS_EN + r" (?:hates? me|don'?t care|doesn'?t care|hits? me|beats? me|yells? at me|kicked me out|never listens?)"),)),
    Rule("distress.leave_home", "distress_youth", 0.45, "wants to leave or has been thrown out of home",
         es=(words(r"(?:me quiero|quiero|quisiera|me voy a|voy a) (?:ir|escapar|largar) de (?:mi |la )?casa",
                   r"(?:escaparme|huir|irme|largarme) de (?:mi |la )?casa",
                   r"ya no aguanto (?:vivir|estar) (?:aqui|aca|en (?:mi|esta) casa|con)",
                   r"no quiero (?:volver|regresar) a (?:mi )?casa", r"me (?:corrieron|sacaron|echaron) de (?:mi |la )?casa",
                   r"no tengo (?:a )?donde (?:ir|quedarme|dormir|vivir)"),),
         en=(words(r"(?:want|wanna|need|going) to (?:leave|run away from|get out of) (?:home|my house|this house)",
                   r"i(?:'m| am)? (?:going to |gonna |want to |wanna |will |'ll )?run away", r"run(?:ning)? away from home",
                   r"(?:i|they) (?:got |just got |was |were )?kicked me out", r"i (?:got |just got |was )?kicked out(?! of (?!(?:my|the) (?:house|home)))",
                   r"(?:can'?t|cannot) (?:stand|take) (?:living|being) (?:here|at home)",
                   r"i (?:have|'ve got|got) (?:nowhere|no where|no place) to (?:stay|sleep|live)", r"don'?t want to go (?:back )?home"),)),
    Rule("distress.unloved", "distress_youth", 0.35, "feels nobody cares about them",
         es=(words(r"nadie me (?:quiere|entiende|hace caso|escucha|extranaria|pela)", r"a nadie le importo",
                   r"no le importo a nadie", r"me siento (?:muy )?(?:sola|solo)"),),
         en=(words(r"(?:nobody|no ?one) (?:cares|loves|understands|likes|would miss)(?: about)? me", r"i feel (?:so )?alone"),)),
    Rule("distress.youth_context", "distress_youth", 0.15, "mentions being young or at school",
         es=AGE_ES + SCHOOL_ES + (words(r"(?:mi|la) (?:escuela|secu|prepa|maestr[ao])", r"no me dejan salir"),),
         en=AGE_EN + SCHOOL_EN + (words("school", "my teacher", "grounded"),)),
)


def _compile(rule: Rule) -> Rule:
    patterns = rule.es + rule.en
    if not patterns:
        return rule
    return Rule(rule.id, rule.signal, rule.weight, rule.explanation, rule.es, rule.en, rule.matcher,
                re.compile("|".join(f"(?:{p})" for p in patterns)))


def _signal(signal_id: str, rules: tuple[Rule, ...], *groups: tuple[str, ...], trigger: int = 0) -> Signal:
    return Signal(signal_id, SIGNAL_DESCRIPTIONS[signal_id], tuple(_compile(r) for r in rules),
                  tuple(frozenset(g) for g in groups), trigger)


RULESET: tuple[Signal, ...] = (
    _signal("recruitment_offer", RECRUITMENT, ("recruitment.offer",),
            ("recruitment.pay_too_good", "recruitment.no_experience", "recruitment.abroad", "recruitment.travel_paid",
             "recruitment.private_contact", "recruitment.send_photos", "recruitment.targets_minors"), trigger=1),
    _signal("predatory_reply", PREDATORY,
            ("predatory.offer_shelter", "predatory.offer_money_gifts", "predatory.offer_ride", "predatory.secrecy",
             "predatory.offer_help")),
    _signal("minor_oversharing", MINOR, ("minor.age", "minor.school"),
            ("minor.phone", "minor.contact_handle", "minor.address", "minor.school_name", "minor.location")),
    _signal("distress_youth", DISTRESS, ("distress.parent_conflict", "distress.leave_home", "distress.unloved")),
)

def without_lookarounds(pattern: str) -> str:
    """``pattern`` minus its look-around groups: a looser regex RE2 can run (for pre-filtering)."""
    out, i, depth_skip = [], 0, 0
    stack: list[bool] = []  # for each open group: is it a look-around being dropped?
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if not depth_skip:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            drop = pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i)
            stack.append(drop)
            depth_skip += drop
            if drop:
                i += 1
                continue
        elif ch == ")":
            if stack.pop():
                depth_skip -= 1
                i += 1
                continue
        if not depth_skip:
            out.append(ch)
        i += 1
    return "".join(out)


def _first_groups() -> str:
    """One RE2 regex for the rules of every signal's trigger group: a fast pre-filter.

    It is looser than the rules (look-arounds dropped), so a post it rejects fires no signal.
    """
    parts = []
    for signal in RULESET:
        for rule in signal.rules:
            if rule.id in signal.requires[signal.trigger]:
                if rule.matcher is not None:
                    raise ValueError(f"{rule.id}: a trigger group holds pattern rules only")
                parts += [without_lookarounds(p) for p in rule.es + rule.en]
    return "|".join(f"(?:{p})" for p in parts)


TRIGGER_RE2 = r"\b(?:" + _first_groups() + ")"  # every rule's match starts with a word character


def triggered(prepared: pa.Array) -> list[bool]:
    """Which prepared texts may fire a signal (the rest certainly fire none)."""
    return pc.fill_null(pc.match_substring_regex(prepared, TRIGGER_RE2), False).to_pylist()


def rules_table() -> list[dict[str, object]]:
    """Every rule as a row (docs, ``antena review rules``): id, signal, weight, gate, explanation.

    ``gate`` is "A", "B"... when the rule belongs to one of the signal's required groups: the
    signal fires only when one rule of every gate fired.
    """
    rows: list[dict[str, object]] = []
    for signal in RULESET:
        for rule in signal.rules:
            gate = next((chr(65 + i) for i, group in enumerate(signal.requires) if rule.id in group), "")
            rows.append({"id": rule.id, "signal": signal.id, "weight": rule.weight, "gate": gate,
                         "explanation": rule.explanation})
    return rows


@dataclass(frozen=True)
class Assessment:
    """What the rules found in one post: signals strongest first, the score, the fired rules."""

    signals: list[str]
    score: float
    reasons: list[str]


NOTHING = Assessment([], 0.0, [])


def assess(prepared: str, kind: str = "post") -> Assessment:
    """Run every signal's rules over prepared text (see ``prepare``) of a post of ``kind``."""
    if not prepared:
        return NOTHING
    found: list[tuple[str, float, list[Rule]]] = []
    for signal in RULESET:
        core = [r for r in signal.rules if r.id in signal.requires[0] and r.fires(prepared, kind)]
        if not core:
            continue
        fired = core + [r for r in signal.rules if r.id not in signal.requires[0] and r.fires(prepared, kind)]
        ids = {r.id for r in fired}
        if not all(ids & group for group in signal.requires[1:]):
            continue
        score = min(1.0, max(0.0, sum(r.weight for r in fired)))
        if score >= SIGNAL_MIN:
            found.append((signal.id, score, fired))
    if not found:
        return NOTHING
    found.sort(key=lambda item: -item[1])  # strongest signal first (stable: ruleset order on ties)
    best = found[0][1]
    total = min(1.0, best + EXTRA_SIGNAL_BONUS * (len(found) - 1))
    reasons = [r.reason for _, _, fired in found for r in fired]
    return Assessment([sid for sid, _, _ in found], round(total, 4), reasons)
