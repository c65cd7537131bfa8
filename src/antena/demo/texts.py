"""Template texts of the demo scenario, after the source report on child kidnapping in Mexico
(topics, hashtags, targets, AMBER-alert awareness, live-stream frustration) and the article on
traffickers' use of social media (risky posts). All names, places and numbers are invented;
phone numbers are of the obviously fake form 55-0000-00NN.

Slots in braces are filled by ``antena.demo.scenario``: {city} {colonia} {place} {name} {age} {n} {nn}.
"""

from __future__ import annotations

CITIES = (
    "CDMX", "Ciudad de México", "Tijuana", "Guadalajara", "Monterrey", "Puebla", "Ecatepec",
    "Toluca", "León", "Querétaro", "Veracruz", "Acapulco", "Culiacán", "Mexicali", "Cancún",
    "Oaxaca", "Chimalhuacán", "Nezahualcóyotl", "Morelia", "Hermosillo", "Tuxtla", "Mérida",
)
COLONIAS = ("col. Centro", "col. Doctores", "col. Morelos", "col. Las Flores", "col. Jardines",
            "col. Obrera", "col. Del Valle", "col. La Joya", "col. San Miguel", "col. Lomas Altas")
PLACES = ("mercado", "tianguis", "súper", "parque", "centro comercial", "metro", "kínder",
          "hospital", "salida de la escuela", "feria")
CHILD_NAMES = ("Ximena", "Valeria", "Sofía", "Regina", "Camila", "Fernanda", "Itzel", "Guadalupe",
               "Santiago", "Mateo", "Diego", "Emiliano", "Leonardo", "Ángel", "Iker", "Brandon",
               "Yahir", "Dulce", "Abril", "Jazmín")

# --------------------------------------------------------------------- relevant, by topic
TOPICS_ES: dict[str, tuple[str, ...]] = {
    "kidnapping": (
        "Se robaron a un niño en el {place} de {city}, tengan mucho cuidado con sus hijos",
        "Intentaron robarse a mi sobrina saliendo de la escuela en {city}. No los pierdan de vista ni un segundo",
        "Urgen extremar precauciones por robo de infantes en {city}: tenerlos a la vista cada segundo",
        "{name} de {age} años desapareció ayer en {city}, cualquier información compartan",
        "Otra vez robo de niños en {city}, ya no se puede salir tranquilo",
        "Una señora intentó llevarse a un bebé en el {place} de {city}, la gente la detuvo",
        "Robo infantil en {city}: una madre denuncia que se llevaron a su hijo de {age} años",
        "Se busca a {name}, {age} años, su último paradero fue la {colonia} de {city}",
        "Esto pasa en todo México, hay muertes y robo de infantes en todos lados",
        "A mi hijo de {age} años casi se lo llevan en el {place}, gracias a Dios reaccioné a tiempo",
        "Memoricen los datos de sus hijos y no dejen que se acerquen a extraños",
        "Ya van {n} niños desaparecidos este mes en {city}, esto es una pesadilla",
    ),
    "organ_trafficking": (
        "A los niños no los sacan de México en hieleras, se los llevan vivos a EU donde médicos corruptos les extraen los órganos",
        "Dicen que en {city} se roban niños para tráfico de órganos, alguien sabe si es cierto?",
        "El tráfico ilegal de órganos es real, hay una red entre Estados Unidos y México",
        "Que las autoridades desmantelen las redes internacionales de tráfico de órganos",
    ),
    "labour_exploitation": (
        "Niños de {age} años trabajando en los campos de {city}, eso es explotación laboral",
        "La explotación laboral infantil sigue, los ponen a vender dulces en los cruceros de {city}",
        "Rescatan a {n} menores de trabajo forzado en una fábrica de {city}",
    ),
    "sexual_exploitation": (
        "Redes de prostitución infantil operan en {city} y nadie dice nada",
        "Rescatan a {n} menores víctimas de explotación sexual en {city}",
        "La trata con fines sexuales empieza muchas veces con una oferta de trabajo falsa",
    ),
    "csam": (
        "Detienen a sujeto por producción de pornografía infantil en {city}",
        "Denuncien las páginas de pornografía infantil, nunca las compartan",
    ),
    "hope_support": (
        "Ningún niño debe ser robado, juntos podemos encontrarlos",
        "Comparte y difunde, entre todos los traemos de vuelta a casa",
        "Hoy caminamos por los niños desaparecidos en {city}, no perdemos la esperanza",
        "Mi apoyo a todas las mamás que buscan a sus hijos, no están solas",
        "Cada vez que compartes una ficha ayudas a que un niño vuelva a casa",
    ),
    "criticism_authorities": (
        "Las autoridades no hacen nada, {n} días y ni una pista",
        "Impunidad total, se roban niños y nadie investiga",
        "¿Dónde están las autoridades? Siempre llegan tarde",
        "Las autoridades no están para resolver, solo para la foto",
    ),
    "migration": (
        "Niños migrantes solos en la frontera de {city}, presa fácil para los polleros",
        "Los coyotes cobran por cruzar menores y luego los venden",
        "Menores migrantes desaparecen en su paso por {city}",
    ),
}
TOPICS_EN: dict[str, tuple[str, ...]] = {
    "kidnapping": (
        "Another child kidnapping in {city}, Mexico. Parents please keep your kids close",
        "{name}, {age}, missing since yesterday in {city}. Please share",
        "Child abductions in Mexico are out of control, stay safe everyone",
    ),
    "organ_trafficking": (
        "Children are taken alive to the U.S. where corrupt doctors extract their organs",
        "The organ harvesting racket between the US and Mexico must be stopped",
    ),
    "labour_exploitation": ("Child labor exploitation in the fields of {city} has to end",),
    "sexual_exploitation": ("Sex trafficking of minors in {city} keeps growing",),
    "csam": ("Report child pornography, never share it",),
    "hope_support": (
        "Sending hope to every family looking for their missing child",
        "Together we can bring them home. Share and support",
    ),
    "criticism_authorities": ("Nobody investigates while children disappear in {city}",),
    "migration": ("Unaccompanied migrant children at the border are easy prey for smugglers",),
}
TOPIC_WEIGHTS = {
    "kidnapping": 34, "organ_trafficking": 10, "labour_exploitation": 7, "sexual_exploitation": 9,
    "csam": 4, "hope_support": 16, "criticism_authorities": 14, "migration": 6,
}

# --------------------------------------------------------------------- AMBER-alert awareness
AWARE_ES = (
    "Se activa la #AlertaAmber para localizar a {name}, de {age} años, quien desapareció en {city}",
    "#AlertaAmberMx {name}, {age} años, último paradero en la {colonia}, {city}. Comparte",
    "Aprendí qué es la Alerta Amber y cómo activarla, todos deberíamos saberlo",
    "Difunde la Alerta Amber de {name}, cada minuto cuenta",
    "La Alerta Amber se activa en las primeras horas, no esperen 72 horas para denunciar",
    "Si desaparece un niño pidan que activen la Alerta Amber de inmediato",
)
AWARE_EN = (
    "AMBER alert issued in Mexico for {name}, {age}, last seen in {city} #AlertaAmber",
    "Mexico has an AMBER alert too (#AlertaAmberMx). Learn how it works and share",
)
UNAWARE_ES = (
    "¿Qué es la alerta amber? nunca había oído de eso",
    "alguien me explica qué es la alerta amber?",
    "¿Alerta Amber? ¿eso existe en México?",
    "No sabía que había alerta amber aquí, ¿cómo se activa?",
)
UNAWARE_EN = ("What is the Amber alert in Mexico? Never heard of it", "Does Mexico even have an AMBER alert?")

# --------------------------------------------------------------------- targets with sentiment
# target -> sentiment (1, 0, -1) -> clauses
TARGETS_ES: dict[str, dict[int, tuple[str, ...]]] = {
    "pgr": {
        -1: ("la PGR no hace nada", "@FGRMexico ¿y las investigaciones? puro cuento",
             "#AtenciónPGR llevamos {n} días sin respuesta", "la PGR es cómplice de estas redes",
             "la Fiscalía General solo da largas", "PGR inútil como siempre",
             "@PGR_mx nadie contesta en la línea de denuncia"),
        0: ("la PGR emitió un comunicado", "PGR pide extremar precauciones por robo de infantes",
            "#AtenciónPGR recibe denuncias en su línea"),
        1: ("gracias a la PGR por la rápida respuesta", "bien hecho @FGRMexico, lo encontraron sano y salvo"),
    },
    "ninos_robados": {
        -1: ("Niños Robados solo pide donativos y no hace nada", "escribí a @NinosRobados y nunca contestaron",
             "Niños Robados I.A.P. ¿de verdad ayudan o es puro show?"),
        0: ("Niños Robados I.A.P. comparte su número de atención", "Niños Robados I.A.P. dará una plática en {city}"),
        1: ("gracias a Niños Robados I.A.P. por su apoyo", "@NinosRobados hace un trabajo increíble",
            "Niños Robados I.A.P. nos ayudó a buscar a mi hijo, gracias", "admiro mucho el trabajo de Niños Robados"),
    },
    "police": {
        -1: ("la policía ni se apareció", "los policías dicen que esperemos 72 horas",
             "la policía de {city} no sirve para nada"),
        0: ("la policía de {city} pide información",),
        1: ("gracias a los policías de {city} que lo encontraron",),
    },
    "dif": {
        -1: ("el DIF nunca dio seguimiento", "en el DIF nos trataron muy mal"),
        0: ("el DIF abrió una línea de ayuda",),
        1: ("el DIF de {city} apoyó mucho a la familia",),
    },
    "government": {
        -1: ("el gobierno no hace nada", "las autoridades están coludidas"),
        0: ("el gobierno anunció nuevas medidas",),
        1: ("bien por el gobierno de {city} por la campaña",),
    },
}
TARGETS_EN: dict[str, dict[int, tuple[str, ...]]] = {
    "pgr": {-1: ("the PGR does nothing", "@FGRMexico where are the investigations?"),
            0: ("the PGR issued a statement",), 1: ("thank you PGR for the quick response",)},
    "ninos_robados": {-1: ("Niños Robados never answered my messages",),
                      0: ("Niños Robados I.A.P. shared their hotline",),
                      1: ("thank you Niños Robados I.A.P. for your work", "@NinosRobados is doing amazing work")},
    "police": {-1: ("the police never showed up",), 0: ("police in {city} ask for information",),
               1: ("thanks to the police in {city} who found him",)},
    "dif": {-1: ("DIF never followed up",), 0: ("DIF opened a help line",), 1: ("DIF supported the family",)},
    "government": {-1: ("the government does nothing",), 0: ("the government announced new measures",),
                   1: ("well done government of {city}",)},
}
TARGET_WEIGHTS = {"pgr": 35, "ninos_robados": 25, "police": 15, "dif": 10, "government": 15}

# --------------------------------------------------------------------- hashtags
HASHTAGS_GENERAL = ("#RoboDeNiños", "#TrataDePersonas", "#CiudadDeTodos", "#NiñosRobados", "#RoboInfantil")
HASHTAGS_HOPE = ("#YoDoyEsperanza", "#IGiveHope")
HASHTAGS_AWARE = ("#AlertaAmber", "#AlertaAmberMx")
HASHTAGS_EN = ("#IGiveHope", "#EndTrafficking", "#ChildTrafficking", "#TrataDePersonas")

# --------------------------------------------------------------------- off-topic noise
NOISE_ES: dict[str, tuple[str, ...]] = {
    "drug_trafficking": ("Detienen a {n} por tráfico de drogas en {city}", "Cae red de tráfico de drogas en la {colonia}",
                         "Aseguran cargamento en operativo contra el tráfico de drogas en {city}"),
    "traffic_jam": ("Tráfico en periférico a esta hora, ni se muevan", "Qué horror el tráfico en Insurgentes, 1 hora parado",
                    "tráfico pesado en {city} por la lluvia", "Reportan tráfico lento en periférico norte"),
    "legislative": ("La oposición tiene secuestrada la agenda legislativa", "Denuncian el secuestro de la iniciativa de ley en el Senado",
                    "El secuestro de la reforma en comisiones ya cumple {n} días"),
    "robots": ("Niños de primaria de {city} ganan torneo de robótica", "la robo-aspiradora se atoró otra vez jajaja",
               "¿Los robo-taxis llegarán pronto a {city}?"),
    "robbery": ("Me robaron el celular en el metro, qué coraje", "Robo a casa habitación en la {colonia}, ojo vecinos",
                "Se trata de un robo de autopartes en {city}", "Me robaron la cartera y mis hijos vieron todo"),
}
NOISE_EN: dict[str, tuple[str, ...]] = {
    "traffic_jam": ("Traffic on the freeway is insane today",),
    "robots": ("Robot competition for kids this weekend in {city}!",),
    "drug_trafficking": ("Drug trafficking arrests in {city} this morning",),
}

# --------------------------------------------------------------------- risky posts (for human review)
RISKY: dict[str, dict[str, tuple[str, ...]]] = {
    "job_offer": {
        "es": ("Se buscan chicas de 15 a 19 años para modelaje en {city}, buen sueldo y viaje pagado, manda DM",
               "Trabajo en EU para jóvenes sin experiencia, te pagamos el viaje. Whats 55-0000-00{nn}",
               "Casting para modelos menores de edad, sin costo, solo manda tus fotos por inbox"),
        "en": ("Modeling jobs for girls 16+, travel paid, no experience needed, DM me",),
    },
    "vulnerable_minor": {
        "es": ("odio a mi mamá, ya me quiero ir de mi casa", "odio a mi mamá ya no aguanto vivir aquí"),
        "en": ("I hate my mom, I just want to leave home",),
    },
    "personal_info": {
        "es": ("tengo 14 y me aburro, mi whats es 55-0000-00{nn} escríbanme",
               "vivo en Calle Ficticia {n}, {colonia}, {city}, alguien de por aquí? tengo 13"),
        "en": ("im 14 and bored, text me 55-0000-00{nn}",),
    },
}
# The answer to a vulnerable minor's post, posted as a reply.
PLACE_TO_STAY = {
    "es": ("te puedo dar un lugar donde quedarte, mándame DM", "yo te ayudo, te puedo dar un lugar donde quedarte"),
    "en": ("I can give you a place to stay, DM me",),
}

# --------------------------------------------------------------------- live-stream chat
CHAT_ES: dict[str, tuple[str, ...]] = {
    "frustration": ("¿y la policía dónde está?", "nadie hace nada!!", "las autoridades nunca llegan",
                    "esto pasa todos los días y el gobierno ni en cuenta", "que alguien haga algo por favor",
                    "¿dónde está la PGR cuando se necesita?", "pura impunidad", "otra vez y nadie interviene",
                    "la policía llegó una hora después, como siempre", "si fuera hijo de un político ya lo habrían encontrado"),
    "support": ("Dios los proteja", "compartan para que lo encuentren", "fuerza a la familia", "que aparezca pronto"),
    "question": ("¿dónde es?", "¿en qué colonia?", "¿qué pasó?", "¿ya lo encontraron?"),
    "chatter": ("hola", "primer", "saludos desde {city}", "se ve borroso", "jajaja"),
}
CHAT_EN = {
    "frustration": ("where are the police??", "nobody does anything"),
    "support": ("praying for the family",),
    "question": ("where is this?",),
    "chatter": ("hi from {city}",),
}
CHAT_AWARE_ES = ("activen la alerta amber ya!!", "ya salió la #AlertaAmber, compartan")
CHAT_UNAWARE_ES = ("¿qué es la alerta amber?", "alerta amber? eso que es")
STREAM_TITLES = ("EN VIVO: intentan robar a un niño en el {place} de {city}",
                 "EN VIVO desde {city}: vecinos detienen a presunta robachicos",
                 "EN VIVO: marcha por los niños desaparecidos en {city}")
