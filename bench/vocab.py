# ruff: noqa: E501 -- a data module: one sentence template per line reads better than wrapped
"""Words and sentence templates the corpus generator builds news prose from.

Written for the benchmarks: Spanish, Portuguese and English wire-style
sentences with slots (``{actor}``, ``{country}``, ``{topic}``...) that the
generator fills with VRIC and LAC vocabulary, plus filler about local news so
that a realistic share of articles is not relevant to the monitor. People
named as officials are invented; heads of state appear only as vocabulary.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("es", "pt", "en")
LANGUAGE_WEIGHTS: Final = (0.55, 0.25, 0.20)

# Actor phrases by actor id; "none" is the local-news share (no actor).
ACTORS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "es": {
        "russia": ("el Kremlin", "Moscú", "el Gobierno ruso", "Rosatom", "el presidente Vladímir Putin",
                   "la cancillería rusa", "el Fondo Ruso de Inversión Directa", "Rosneft"),
        "china": ("Pekín", "el Gobierno chino", "Huawei", "el presidente Xi Jinping",
                  "la cancillería china", "el Banco de Desarrollo de China", "la empresa estatal china COSCO"),
        "iran": ("Teherán", "el Gobierno iraní", "la cancillería de Irán", "la Guardia Revolucionaria iraní"),
        "venezuela": ("Caracas", "el Gobierno de Nicolás Maduro", "PDVSA", "el chavismo",
                      "La Habana", "el Gobierno cubano", "el Gobierno de Daniel Ortega", "la ALBA"),
    },
    "pt": {
        "russia": ("o Kremlin", "Moscou", "o governo russo", "a Rosatom", "o presidente Vladimir Putin",
                   "a chancelaria russa", "o Fundo Russo de Investimento Direto"),
        "china": ("Pequim", "o governo chinês", "a Huawei", "o presidente Xi Jinping",
                  "a chancelaria chinesa", "o Banco de Desenvolvimento da China"),
        "iran": ("Teerã", "o governo iraniano", "a chancelaria do Irã"),
        "venezuela": ("Caracas", "o governo de Nicolás Maduro", "a PDVSA", "o chavismo",
                      "Havana", "o governo cubano", "a ALBA"),
    },
    "en": {
        "russia": ("the Kremlin", "Moscow", "the Russian government", "Rosatom", "President Vladimir Putin",
                   "the Russian Foreign Ministry", "the Russian Direct Investment Fund"),
        "china": ("Beijing", "the Chinese government", "Huawei", "President Xi Jinping",
                  "the Chinese Foreign Ministry", "the China Development Bank"),
        "iran": ("Tehran", "the Iranian government", "Iran's Foreign Ministry"),
        "venezuela": ("Caracas", "the government of Nicolás Maduro", "PDVSA", "Havana",
                      "the Cuban government", "the ALBA bloc"),
    },
}  # fmt: skip

COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "es": ("Argentina", "Brasil", "México", "Colombia", "Perú", "Chile", "Ecuador", "Uruguay",
           "Paraguay", "Panamá", "Honduras", "Guatemala", "El Salvador", "República Dominicana",
           "Costa Rica", "América Latina", "la región", "Centroamérica"),
    "pt": ("Argentina", "Brasil", "México", "Colômbia", "Peru", "Chile", "Equador", "Uruguai",
           "Paraguai", "Panamá", "América Latina", "a região"),
    "en": ("Argentina", "Brazil", "Mexico", "Colombia", "Peru", "Chile", "Ecuador", "Uruguay",
           "Paraguay", "Panama", "Honduras", "Latin America", "the region", "Central America"),
}  # fmt: skip

CITIES: Final[dict[str, tuple[str, ...]]] = {
    "es": ("Buenos Aires", "Ciudad de México", "Bogotá", "Lima", "Santiago", "Quito", "Montevideo",
           "Asunción", "Tegucigalpa", "San Salvador", "Panamá"),
    "pt": ("Brasília", "São Paulo", "Rio de Janeiro", "Buenos Aires", "Montevidéu", "Lima"),
    "en": ("Buenos Aires", "Mexico City", "Bogotá", "Lima", "Santiago", "Brasília", "São Paulo"),
}  # fmt: skip

TOPICS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "es": {
        "energy": ("un acuerdo de suministro de petróleo", "la construcción de una refinería",
                   "contratos de gas natural", "una central hidroeléctrica", "la exploración petrolera"),
        "economic": ("un préstamo de 2.000 millones de dólares", "nuevas inversiones", "un tratado de libre comercio",
                     "la compra de bonos soberanos", "el comercio bilateral"),
        "military_security": ("ejercicios militares conjuntos", "la venta de helicópteros de combate",
                              "la visita de un buque de guerra", "la cooperación en defensa"),
        "medical_diplomacy": ("la donación de vacunas Sputnik V", "el envío de médicos cubanos",
                              "insumos médicos contra la covid-19", "la producción local de vacunas"),
        "infrastructure": ("la ampliación de un puerto", "una red 5G", "un ferrocarril de carga",
                           "una planta de energía solar", "la construcción de una represa"),
        "nuclear": ("un reactor nuclear de investigación", "la cooperación en energía nuclear"),
        "information_media": ("la apertura de una corresponsalía", "un acuerdo entre agencias de noticias",
                              "la difusión de propaganda en redes sociales"),
    },
    "pt": {
        "energy": ("um acordo de fornecimento de petróleo", "a construção de uma refinaria",
                   "contratos de gás natural", "uma usina hidrelétrica"),
        "economic": ("um empréstimo de 2 bilhões de dólares", "novos investimentos", "o comércio bilateral",
                     "a compra de títulos da dívida"),
        "military_security": ("exercícios militares conjuntos", "a venda de helicópteros de combate",
                              "a visita de um navio de guerra"),
        "medical_diplomacy": ("a doação de vacinas Sputnik V", "o envio de médicos cubanos",
                              "insumos médicos contra a covid-19"),
        "infrastructure": ("a ampliação de um porto", "uma rede 5G", "uma ferrovia de carga"),
        "nuclear": ("um reator nuclear de pesquisa", "a cooperação em energia nuclear"),
        "information_media": ("a abertura de uma sucursal", "um acordo entre agências de notícias"),
    },
    "en": {
        "energy": ("an oil supply agreement", "the construction of a refinery", "natural gas contracts",
                   "a hydroelectric plant"),
        "economic": ("a $2 billion loan", "new investment", "a free trade agreement", "bilateral trade"),
        "military_security": ("joint military exercises", "the sale of attack helicopters",
                              "a warship visit", "defence cooperation"),
        "medical_diplomacy": ("a donation of Sputnik V vaccines", "the deployment of Cuban doctors",
                              "medical supplies against covid-19"),
        "infrastructure": ("a port expansion", "a 5G network", "a freight railway", "a solar power plant"),
        "nuclear": ("a nuclear research reactor", "nuclear energy cooperation"),
        "information_media": ("a new news bureau", "an agreement between news agencies"),
    },
}  # fmt: skip

LOCAL: Final[dict[str, tuple[str, ...]]] = {
    "es": ("el torneo de fútbol", "la temporada de lluvias", "el precio del transporte público",
           "la reforma educativa", "el festival de cine", "las obras del metro", "la cosecha de café",
           "el calendario escolar", "la inflación de los alimentos", "la seguridad en los barrios"),
    "pt": ("o campeonato de futebol", "a temporada de chuvas", "o preço do transporte público",
           "a reforma do ensino médio", "o festival de cinema", "as obras do metrô", "a safra de café"),
    "en": ("the football league", "the rainy season", "public transport fares", "the education reform",
           "the film festival", "the metro works", "the coffee harvest", "food inflation"),
}  # fmt: skip

OFFICIALS: Final[dict[str, tuple[str, ...]]] = {
    "es": ("el ministro de Economía, Julián Ferreyra", "la canciller Marta Iriarte",
           "el portavoz presidencial, Ramiro Costa", "la ministra de Salud, Elena Vidal",
           "el diputado opositor Tomás Aguilar", "el analista Pablo Sanmartín",
           "la investigadora Carla Benítez", "el embajador Rodrigo Salas"),
    "pt": ("o ministro da Economia, Júlio Ferraz", "a chanceler Marta Ribeiro",
           "o porta-voz da Presidência, Ramiro Costa", "a ministra da Saúde, Helena Vidal",
           "o deputado Tomás Aguiar", "o analista Paulo Santana"),
    "en": ("Economy Minister Julian Ferreyra", "Foreign Minister Marta Iriarte",
           "presidential spokesman Ramiro Costa", "Health Minister Elena Vidal",
           "opposition lawmaker Tomas Aguilar", "analyst Paul Sanmartin"),
}  # fmt: skip

SAID: Final[dict[str, tuple[str, ...]]] = {
    "es": ("afirmó", "señaló", "explicó", "aseguró", "indicó", "declaró"),
    "pt": ("afirmou", "disse", "explicou", "garantiu", "declarou"),
    "en": ("said", "told reporters", "explained", "stated", "noted"),
}

# Sentences about an actor and a topic (the relevant share of a text).
ACTOR_SENTENCES: Final[dict[str, tuple[str, ...]]] = {
    "es": (
        "{Actor} y las autoridades de {country} firmaron este {weekday} {topic}, según informó {official}.",
        "De acuerdo con fuentes oficiales, {actor} busca ampliar su presencia en {country} mediante {topic}.",
        "{Official} {said} que {topic} con {actor} permitirá crear {num} empleos en los próximos años.",
        "La oposición de {country} criticó {topic} y pidió que el Congreso revise los términos pactados con {actor}.",
        "El acuerdo con {actor} incluye {topic} y un calendario de ejecución de {small} años.",
        "Analistas consultados por este medio advierten que {topic} refuerza la influencia de {actor} en {country}.",
        "En {city}, {official} recibió a una delegación de {actor} para discutir {topic}.",
        "Según documentos a los que tuvo acceso este diario, {actor} ofreció {topic} a cambio de acceso preferente al mercado.",
        "La embajada en {city} confirmó que {actor} financiará {topic} con fondos propios.",
        "{Actor} ya había anunciado en {month} su intención de participar en {topic} en {country}.",
    ),
    "pt": (
        "{Actor} e as autoridades de {country} assinaram nesta {weekday} {topic}, segundo informou {official}.",
        "De acordo com fontes oficiais, {actor} busca ampliar sua presença em {country} por meio de {topic}.",
        "{Official} {said} que {topic} com {actor} vai gerar {num} empregos nos próximos anos.",
        "A oposição em {country} criticou {topic} e pediu que o Congresso revise os termos acertados com {actor}.",
        "Analistas ouvidos pela reportagem avaliam que {topic} reforça a influência de {actor} em {country}.",
        "Em {city}, {official} recebeu uma delegação de {actor} para discutir {topic}.",
        "{Actor} já havia anunciado em {month} a intenção de participar de {topic} em {country}.",
    ),
    "en": (
        "{Actor} and the authorities of {country} signed {topic} on {weekday}, {official} said.",
        "According to official sources, {actor} is seeking a larger footprint in {country} through {topic}.",
        "{Official} {said} that {topic} with {actor} would create {num} jobs over the coming years.",
        "The opposition in {country} criticised {topic} and asked Congress to review the terms agreed with {actor}.",
        "Analysts say {topic} strengthens the influence of {actor} in {country}.",
        "In {city}, {official} received a delegation from {actor} to discuss {topic}.",
        "{Actor} had announced in {month} its intention to take part in {topic} in {country}.",
    ),
}  # fmt: skip

# Sentences with no actor: local news, context, quotes.
FILLER_SENTENCES: Final[dict[str, tuple[str, ...]]] = {
    "es": (
        "Mientras tanto, en {city} continúa el debate sobre {local}, que preocupa a buena parte de la población.",
        "{Official} {said} que el Gobierno presentará la próxima semana un plan para {local}.",
        "Las cifras oficiales muestran una variación del {small},{small} % respecto del mismo período del año anterior.",
        "El tema dominó la agenda de los medios locales durante varios días, junto con {local}.",
        "Los sindicatos anunciaron una movilización en {city} para el próximo {weekday}.",
        "Según una encuesta reciente, el {pct} % de los consultados considera prioritario {local}.",
        "La sesión del Congreso se extendió hasta la madrugada y terminó sin acuerdo sobre {local}.",
        "Expertos consultados coinciden en que los efectos se verán recién a partir de {month}.",
        "La medida entrará en vigor el {day} de {month}, según el decreto publicado en el boletín oficial.",
        "Vecinos de {city} reclamaron respuestas rápidas ante los problemas causados por {local}.",
    ),
    "pt": (
        "Enquanto isso, em {city} continua o debate sobre {local}, que preocupa boa parte da população.",
        "{Official} {said} que o governo vai apresentar na próxima semana um plano para {local}.",
        "Os números oficiais mostram variação de {small},{small}% em relação ao mesmo período do ano passado.",
        "Segundo pesquisa recente, {pct}% dos entrevistados consideram prioritário {local}.",
        "A sessão do Congresso avançou pela madrugada e terminou sem acordo sobre {local}.",
        "A medida entra em vigor em {day} de {month}, segundo o decreto publicado no Diário Oficial.",
        "Moradores de {city} cobraram respostas rápidas diante dos problemas causados por {local}.",
    ),
    "en": (
        "Meanwhile, in {city} the debate continues over {local}, a concern for much of the population.",
        "{Official} {said} the government would present a plan next week to address {local}.",
        "Official figures show a change of {small}.{small}% from the same period last year.",
        "According to a recent poll, {pct}% of respondents consider {local} a priority.",
        "The congressional session ran past midnight and ended without agreement on {local}.",
        "The measure takes effect on {month} {day}, according to the decree published in the official gazette.",
        "Residents of {city} demanded quick answers to the problems caused by {local}.",
    ),
}  # fmt: skip

TITLES: Final[dict[str, tuple[str, ...]]] = {
    "es": ("{Actor} y {country} acuerdan {topic}", "{Country}: polémica por {topic} con {actor}",
           "{Actor} ofrece {topic} a {country}", "Qué hay detrás de {topic} entre {actor} y {country}",
           "{Official_short} defiende {topic} con {actor}"),
    "pt": ("{Actor} e {country} fecham {topic}", "{Country}: polêmica sobre {topic} com {actor}",
           "{Actor} oferece {topic} a {country}", "O que está por trás de {topic} entre {actor} e {country}"),
    "en": ("{Actor} and {country} agree on {topic}", "{Country}: row over {topic} with {actor}",
           "{Actor} offers {country} {topic}", "What lies behind {topic} between {actor} and {country}"),
}  # fmt: skip

LOCAL_TITLES: Final[dict[str, tuple[str, ...]]] = {
    "es": ("{City}: nuevo debate sobre {local}", "El Gobierno anuncia cambios en {local}",
           "Qué se sabe de {local} en {city}", "Crece la preocupación por {local}"),
    "pt": ("{City}: novo debate sobre {local}", "Governo anuncia mudanças em {local}",
           "O que se sabe sobre {local} em {city}"),
    "en": ("{City}: fresh debate over {local}", "Government announces changes to {local}",
           "What we know about {local} in {city}"),
}  # fmt: skip

MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
           "outubro", "novembro", "dezembro"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}  # fmt: skip

WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
}

# Words of the page furniture (menus, boxes, footers), per language.
UI: Final[dict[str, dict[str, str]]] = {
    "es": {"home": "Inicio", "read_also": "Lee también", "most_read": "Lo más leído",
           "related": "Noticias relacionadas", "newsletter": "Suscríbete a nuestro boletín",
           "comments": "Comentarios", "share": "Compartir", "by": "Por", "tags": "Temas",
           "rights": "Todos los derechos reservados", "ad": "Publicidad", "follow": "Síguenos"},
    "pt": {"home": "Início", "read_also": "Leia também", "most_read": "Mais lidas",
           "related": "Notícias relacionadas", "newsletter": "Assine nossa newsletter",
           "comments": "Comentários", "share": "Compartilhar", "by": "Por", "tags": "Tópicos",
           "rights": "Todos os direitos reservados", "ad": "Publicidade", "follow": "Siga-nos"},
    "en": {"home": "Home", "read_also": "Read more", "most_read": "Most read",
           "related": "Related stories", "newsletter": "Sign up for our newsletter",
           "comments": "Comments", "share": "Share", "by": "By", "tags": "Topics",
           "rights": "All rights reserved", "ad": "Advertisement", "follow": "Follow us"},
}  # fmt: skip

SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "es": ("Política", "Economía", "Internacional", "América Latina", "Sociedad", "Deportes",
           "Cultura", "Tecnología", "Opinión", "Salud", "Ciencia", "Espectáculos"),
    "pt": ("Política", "Economia", "Mundo", "América Latina", "Cotidiano", "Esporte", "Cultura",
           "Tecnologia", "Opinião", "Saúde", "Ciência"),
    "en": ("Politics", "Business", "World", "Americas", "Society", "Sport", "Culture", "Tech",
           "Opinion", "Health", "Science"),
}  # fmt: skip

AUTHORS: Final = ("María Fernanda López", "Joaquim Pereira", "Ana Clara Souza", "Diego Martínez",
                  "Laura Gómez", "Rafael Costa", "Sofía Herrera", "John Whitaker", "Camila Rojas",
                  "Redacción", "Agencias")  # fmt: skip
